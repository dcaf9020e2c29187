"""The audit endpoints: a pathway's history, its state as of a version or a time, its steps.

Each reads the pathway's own stream through ``services.audit`` (the record of truth, not a read
model). Times are ISO 8601 date-times with an offset, or dates (the end of that day, UTC).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Query

from services.audit.instants import instant
from services.audit.trail import AsOf
from services.audit.wire import AsOfView, AuditHistory, AuditSteps
from services.http.audit.access import TrailDep
from services.http.headers import PathwayId
from services.http.problems import BadRequestField
from services.http.queries import MAX_POSITION
from services.http.views import PROBLEM

MAX_PAGE = 1000
INSTANT = ("An ISO 8601 date-time with an offset (`2026-03-10T09:00:00Z`), or a date"
           " (`2026-03-10`: the end of that day, UTC).")
RESPONSES: dict[int | str, dict[str, Any]] = {404: PROBLEM, 422: PROBLEM, 503: PROBLEM}

router = APIRouter(prefix="/pathways/{pathway_id}", responses=RESPONSES)

After = Annotated[int, Query(ge=0, le=MAX_POSITION, description="Events after this version.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Instant = Annotated[str | None, Query(min_length=10, max_length=40, description=INSTANT)]


@router.get("/history", response_model=AuditHistory, summary="A pathway's full history")
def history(pathway_id: PathwayId, trail: TrailDep, after: After = 0,
            limit: Limit = 200) -> AuditHistory:
    """Every event in recorded order: clinical and recorded time (flagged when back-dated),
    actor and role, correlation id, protocol version, the rule ids the command was checked
    against when it was decided, and each deviation's rule, sentence and reason."""
    return AuditHistory.of(trail.history(pathway_id, after=after, limit=limit))


@router.get("/as-of", response_model=AsOfView, summary="A pathway's state as of a version or"
            " a time")
def as_of(
    *, pathway_id: PathwayId, trail: TrailDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_POSITION, description=(
        "The state after this version."))] = None,
    recorded_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "The record as it stood at this server time: the events recorded by then. "
        + INSTANT))] = None,
    occurred_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "As the clinic understood it at this clinical time: the events that occurred by"
        " then, applied in recorded order (a back-dated entry counts). " + INSTANT))] = None,
    known_at: Annotated[str | None, Query(min_length=10, max_length=40, description=(
        "With `occurred_at`: only what had been recorded by this server time (default:"
        " everything recorded so far). " + INSTANT))] = None,
) -> AsOfView:
    """Exactly one of `version`, `recorded_at` or `occurred_at` (with `known_at` optionally)."""
    return AsOfView.of(state_as_of(trail, pathway_id, version=version, recorded_at=recorded_at,
                                   occurred_at=occurred_at, known_at=known_at))


class AsOfReader(Protocol):
    """A stream's states as of a version or a time (``AuditTrail`` for a pathway,
    ``GroupTrail`` for a group)."""

    def at_version(self, stream_id: UUID, version: int, /) -> AsOf: ...

    def as_recorded_at(self, stream_id: UUID, at: datetime, /) -> AsOf: ...

    def as_understood_at(self, stream_id: UUID, at: datetime,
                         known_at: datetime | None = None, /) -> AsOf: ...


def state_as_of(reader: AsOfReader, stream_id: UUID, *, version: int | None,
                recorded_at: str | None, occurred_at: str | None,
                known_at: str | None) -> AsOf:
    """The state on the one axis the query chose (a 422 from ``chosen_axis`` otherwise)."""
    chosen_axis(version, recorded_at, occurred_at, known_at)
    if version is not None:
        return reader.at_version(stream_id, version)
    if recorded_at is not None:
        return reader.as_recorded_at(stream_id, instant(recorded_at, "query.recorded_at"))
    known = None if known_at is None else instant(known_at, "query.known_at")
    return reader.as_understood_at(
        stream_id, instant(str(occurred_at), "query.occurred_at"), known)


def chosen_axis(version: int | None, recorded_at: str | None, occurred_at: str | None,
                known_at: str | None) -> None:
    """One axis and one time on it, or a 422 naming what is wrong."""
    given = [name for name, value in (("version", version), ("recorded_at", recorded_at),
                                      ("occurred_at", occurred_at)) if value is not None]
    if len(given) != 1:
        raise BadRequestField("query", "give exactly one of version, recorded_at or"
                              f" occurred_at (given: {', '.join(given) or 'none'})", status=422)
    if known_at is not None and occurred_at is None:
        raise BadRequestField("query.known_at", "goes with occurred_at only", status=422)


@router.get("/steps", response_model=AuditSteps, summary="A step-through of a pathway")
def steps(pathway_id: PathwayId, trail: TrailDep, after: After = 0,
          limit: Limit = 200) -> AuditSteps:
    """Each event after version `after` with the state just after it and what it changed
    (the first step of a page is compared with the state at `after`)."""
    return AuditSteps.of(trail.steps(pathway_id, after=after, limit=limit))
