"""``/access-log``: who read which record, when and why (the auditor's and the admin's).

``GET /access-log`` lists entries (a pathway's readers, a user's reads, a patient's, a period);
``GET /access-log/report`` counts reads by user, pathway or patient over a period;
``GET /access-log/verify`` checks the hash chain and the latest entry's seal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from services.access.log.entries import Entry
from services.access.log.report import BY, Asked, By, page, report
from services.audit.instants import instant
from services.http.headers import MAX_TOKEN, ContainerDep
from services.http.queries import MAX_POSITION
from services.http.views import PROBLEM, View

router = APIRouter(prefix="/access-log", tags=["access log"],
                   responses={422: PROBLEM, 503: PROBLEM})
TIME = ("An ISO 8601 date-time with an offset, or a date (the start of that day, UTC); when"
        " the read was recorded.")
Since = Annotated[str | None, Query(min_length=10, max_length=40,
                                    description="From this instant (included). " + TIME)]
Until = Annotated[str | None, Query(min_length=10, max_length=40,
                                    description="Before this instant (excluded). " + TIME)]
Actor = Annotated[str | None, Query(min_length=1, max_length=MAX_TOKEN,
                                    description="Only this user's reads (a token's `sub`).")]
Patient = Annotated[str | None, Query(min_length=1, max_length=200, description=(
    "Only reads of this client's pathways (the `client_ref` they were opened with)."))]
PathwayQuery = Annotated[UUID | None, Query(description="Only reads of this pathway.")]


class AccessEntryView(View):
    seq: int = Field(description="Its place in the log, from 1, without gaps.")
    recorded_at: datetime
    actor_id: str
    actor_role: str
    token_id: str | None
    action: str = Field(description="read-history, read-as-of, export, export-period,"
                                    " evidence.")
    pathway_id: UUID | None
    purpose: str
    channel: str = Field(description="`http` or `cli`.")
    detail: str = Field(description="What was asked: the request or the command.")
    hash: str = Field(description="SHA-256 chained over this entry and the one before (hex).")

    @classmethod
    def of(cls, entry: Entry) -> AccessEntryView:
        return cls(**{**entry.fields(), "recorded_at": entry.recorded_at,
                      "pathway_id": entry.pathway_id, "hash": entry.hash.hex()})


class AccessPage(View):
    entries: list[AccessEntryView]
    next_after: int | None = Field(description="Pass as `after` for the next page.")


class ReportRowView(View):
    key: str = Field(description="The user (id and role), the pathway, or the patient.")
    reads: int
    pathways: int
    users: int
    first: datetime
    last: datetime


class AccessReport(View):
    by: By
    since: datetime | None
    until: datetime | None
    rows: list[ReportRowView]


class ChainBreak(View):
    seq: int
    reason: str


class AccessLogVerification(View):
    ok: bool
    entries: int
    finding: ChainBreak | None


def _asked(pathway_id: UUID | None, actor: str | None, patient: str | None,
           since: str | None, until: str | None) -> Asked:
    return Asked(pathway_id=pathway_id, actor=actor, patient=patient,
                 since=None if since is None else instant(since, "query.since",
                                                          start_of_day=True),
                 until=None if until is None else instant(until, "query.until",
                                                          start_of_day=True))


@router.get("", response_model=AccessPage, summary="Who read which record, when and why")
def list_entries(*, container: ContainerDep, pathway_id: PathwayQuery = None,
                 actor: Actor = None, patient: Patient = None, since: Since = None,
                 until: Until = None,
                 after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AccessPage:
    """The access log's entries in the order recorded, filtered: who looked at a pathway
    (`pathway_id`), what a user read (`actor`), who read a patient's records (`patient`),
    within a period (`since`, `until`)."""
    found = page(container.access_log, container.pathways,
                 _asked(pathway_id, actor, patient, since, until), after=after, limit=limit)
    return AccessPage(entries=[AccessEntryView.of(entry) for entry in found],
                      next_after=found[-1].seq if len(found) == limit else None)


@router.get("/report", response_model=AccessReport, summary="Reads by user, pathway or patient")
def access_report(*, container: ContainerDep,
                  by: Annotated[By, Query(description=f"One of {', '.join(BY)}.")] = "user",
                  pathway_id: PathwayQuery = None, actor: Actor = None,
                  patient: Patient = None, since: Since = None,
                  until: Until = None) -> AccessReport:
    """How many reads each user made (or each pathway or patient had) in a period, with how
    many pathways and users, the first and the last."""
    asked = _asked(pathway_id, actor, patient, since, until)
    rows = report(container.access_log, container.pathways, asked, by)
    return AccessReport(by=by, since=asked.since, until=asked.until,
                        rows=[ReportRowView(**vars(row)) for row in rows])


@router.get("/verify", response_model=AccessLogVerification,
            summary="Check the access log's hash chain and its latest seal")
def verify(container: ContainerDep) -> AccessLogVerification:
    """Every entry's hash recomputed in order, and the latest entry's seal checked with the
    log's key: `ok: false` names the first entry that does not follow."""
    found = container.access_log.verify(container.settings.checkpoint_signer.verifier)
    finding: Any = None if found.finding is None else ChainBreak(seq=found.finding.seq,
                                                                 reason=found.finding.reason)
    return AccessLogVerification(ok=found.ok, entries=found.entries, finding=finding)
