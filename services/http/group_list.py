"""``GET /groups``: the groups read model's list (projections/groups/), one indexed read.

Filtered as ``GET /pathways`` is, by the caller's caseload: a group is in the caseload of each
of its leaders, so a therapist lists the groups they lead and a supervisor those their
therapists (or they) lead; naming a therapist outside the caseload is 403. A group's own state
(``GET /groups/{id}``) is read from the event store, exact at any version.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from domain.vocabulary import GroupOutcome
from projections.groups import GroupRow, GroupsProjection
from projections.groups import view as groups_view
from services.http.headers import ContainerDep, GrantedDep
from services.http.queries import (
    QUERY_RESPONSES,
    ListAfter,
    ListLimit,
    ListMinPosition,
    caseload_filter,
    read_live,
)
from services.http.views import ProtocolRef, ReadModelPage, View

router = APIRouter(prefix="/groups", tags=["groups"], responses=QUERY_RESPONSES)
Status = Literal["running", "closed"]


class GroupSummary(View):
    """One group's row in the ``groups`` read model (no replay: one table)."""

    id: UUID
    position: int = Field(description="Where it was formed in the event log: the list's order"
                                      " and its cursor.")
    protocol: ProtocolRef
    leaders: list[str] = Field(description="Its leaders: the group is in each one's caseload.")
    status: Status = Field(description="`running` until the group is closed.")
    closed_outcome: GroupOutcome | None
    closed_reason: str | None
    closed_at: datetime | None = Field(description="Clinical time.")
    members_current: int = Field(description="Members enrolled now.")
    members_left: int = Field(description="Members who left.")
    capacity: int
    sessions_held: int
    sessions_planned: int = Field(description="The group's N.")
    session_minutes: int
    start_date: date
    formed_at: datetime = Field(description="Clinical time.")
    last_session_at: datetime | None = Field(description="Clinical time of its latest session.")
    ending_discussed_at: int | None = Field(description=(
        "The group session at which the ending was discussed (IPT-23)."))
    version: int
    last_recorded_at: datetime = Field(description="Server time of its latest event.")

    @classmethod
    def of(cls, row: GroupRow) -> GroupSummary:
        return cls(
            id=row.id, position=row.formed_position,
            protocol=ProtocolRef(id=row.protocol, version=row.protocol_version),
            leaders=list(row.leaders), status="closed" if row.status == "closed" else "running",
            closed_outcome=row.closed_outcome,  # type: ignore[arg-type]
            closed_reason=row.closed_reason, closed_at=row.closed_at,
            members_current=row.members_current, members_left=row.members_left,
            capacity=row.capacity, sessions_held=row.sessions_held,
            sessions_planned=row.sessions_planned, session_minutes=row.session_minutes,
            start_date=row.start_date, formed_at=row.formed_at,
            last_session_at=row.last_session_at, ending_discussed_at=row.ending_discussed_at,
            version=row.version, last_recorded_at=row.last_recorded_at)


class GroupList(ReadModelPage[GroupSummary]):
    pass


@router.get("", response_model=GroupList, summary="List groups")
def list_groups(
    *,
    container: ContainerDep,
    granted: GrantedDep,
    therapist_id: Annotated[str | None, Query(min_length=1, max_length=80, description=(
        "Only groups this therapist leads."))] = None,
    status: Annotated[Status | None, Query(description="Only running or only closed groups.")
                      ] = None,
    after: ListAfter = 0,
    limit: ListLimit = 50,
    min_position: ListMinPosition = 0,
) -> GroupList:
    """Groups in the order they were formed, filtered, from the ``groups`` read model.

    One indexed read, no replay; paging by cursor as for ``GET /pathways``. A therapist sees
    the groups they lead, a supervisor those led in the caseloads they supervise; naming
    another therapist is 403.
    """
    leaders = caseload_filter(granted, therapist_id)
    read = read_live(container, GroupsProjection(), min_position, lambda tx: (
        groups_view.list_groups(tx, leader=therapist_id, status=status, after=after,
                                limit=limit, leaders=leaders)))
    if read is None:  # no worker has prepared it yet: nothing is listed so far
        return GroupList(items=[], next_after=None, log_position=0)
    page, position = read
    return GroupList(items=[GroupSummary.of(row) for row in page.items],
                     next_after=page.next_after, log_position=position)
