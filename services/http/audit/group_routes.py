"""The audit endpoints of a group: its history (every event with who, when, which rules) and
its state as of a version or a time on either axis, read from the group's own stream.

A caseload reader (a leader, or their supervisor) reaches the groups its caseload leads; each
read is recorded in the access log under the group's id, with the reader's purpose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.audit.groups import GroupTrail
from services.audit.wire import AuditGroupHistory, GroupAsOfView
from services.groups import authorize_leaders
from services.http.audit.access import TrailDep
from services.http.audit.routes import INSTANT, RESPONSES, After, Limit, state_as_of
from services.http.groups import GroupId
from services.http.headers import granted_of
from services.http.queries import MAX_POSITION

router = APIRouter(prefix="/groups/{group_id}", responses=RESPONSES)


def _group_trail(group_id: GroupId, trail: TrailDep, request: Request) -> GroupTrail:
    """The trail's group reads, once the caller may read this group: a caseload scope
    reaches a group one of its leaders is in (403 outside-caseload before any other answer,
    as the guard does for a pathway)."""
    groups = trail.groups()
    granted = granted_of(request)
    if granted.principal is not None:
        authorize_leaders(granted.principal, granted.action, groups.leaders(group_id))
    return groups


GroupTrailDep = Annotated[GroupTrail, Depends(_group_trail)]


@router.get("/history", response_model=AuditGroupHistory, summary="A group's full history")
def group_history(group_id: GroupId, groups: GroupTrailDep, after: After = 0,
                  limit: Limit = 200) -> AuditGroupHistory:
    """Every event of the group in recorded order (formed, members enrolled and left, each
    session with its attendance, closed): clinical and recorded time, actor and role,
    correlation id, protocol version and the rule ids checked when it was decided. Each
    member's part in a session is on their pathway's history, linked back here."""
    return AuditGroupHistory.of(groups.history(group_id, after=after, limit=limit))


@router.get("/as-of", response_model=GroupAsOfView,
            summary="A group's state as of a version or a time")
def group_as_of(
    *, group_id: GroupId, groups: GroupTrailDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_POSITION, description=(
        "The state after this version."))] = None,
    recorded_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "The record as it stood at this server time. " + INSTANT))] = None,
    occurred_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "As the clinic understood it at this clinical time. " + INSTANT))] = None,
    known_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "With `occurred_at`: only what had been recorded by this server time. "
        + INSTANT))] = None,
) -> GroupAsOfView:
    """Exactly one of `version`, `recorded_at` or `occurred_at` (with `known_at` optionally):
    members (enrolled when, left why), sessions held with who attended and who was absent
    and why, the ending raised, closure."""
    return GroupAsOfView.of(state_as_of(
        groups, group_id, version=version, recorded_at=recorded_at, occurred_at=occurred_at,
        known_at=known_at))
