"""Read routes: a pathway's state (now or as of a version), its history, and the list.

A pathway's state and history are read from the event store (an auditor's view, exact at any
version); the list is one query of the ``pathways`` read model (projections/pathways/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response

from domain.protocols import ACUTE_PROTOCOLS
from domain.vocabulary import Phase
from projections.follower import live_position
from projections.live import ReadModelNotReady, live_tables
from projections.log import OrderedLog
from projections.pathways import PathwaysProjection
from projections.pathways import view as pathways_view
from projections.projection import Projection
from projections.store import Tx
from projections.tracking import tracked
from services.access.policy import CASELOAD, Forbidden
from services.composition import Container
from services.errors import ReadModelBehind
from services.http.auth.granted import Granted
from services.http.auth.reading import PurposeQuery, reader_of, record
from services.http.headers import ContainerDep, GrantedDep, PathwayId, QueriesDep
from services.http.problems import BadRequestField
from services.http.views import (
    PROBLEM,
    HistoryEvent,
    HistoryPage,
    PathwayList,
    PathwaySummary,
    PathwayView,
)

QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {404: PROBLEM, 422: PROBLEM, 503: PROBLEM}
STATE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"headers": {"ETag": {
    "description": 'The version shown, `"<version>"`: send it back as If-Match.',
    "required": True, "schema": {"type": "string", "pattern": r'^"[0-9]+"$'}}}}}
MAX_PAGE = 500
READ_YOUR_WRITES_WAIT = 2.0
"""Seconds a read-model query waits for ``min_position`` before answering 503."""
PROTOCOL_IDS: list[str] = sorted({protocol_id for protocol_id, _ in ACUTE_PROTOCOLS})
T = TypeVar("T")
MAX_POSITION = 2**62
"""Versions and log positions stay well inside a signed 64-bit integer, as the stores keep them."""

router = APIRouter(prefix="/pathways", tags=["queries"], responses=QUERY_RESPONSES)

# The paging and read-your-writes parameters of a read model's list (``GET /pathways``,
# ``GET /groups``).
ListAfter = Annotated[int, Query(ge=0, le=MAX_POSITION, description=(
    "The cursor: `next_after` of the previous page (0, the default, for the first)."))]
ListLimit = Annotated[int, Query(ge=1, le=100)]
ListMinPosition = Annotated[int, Query(ge=0, le=MAX_POSITION, description=(
    "Read your writes: wait (briefly) until the list has read the log up to this position"
    " (a command answer's `log_position`); 503 with Retry-After if it has not in time,"
    " 422 if no command has been recorded there yet."))]


@router.get("", response_model=PathwayList, summary="List pathways")
def list_pathways(
    *,
    container: ContainerDep,
    granted: GrantedDep,
    therapist_id: Annotated[str | None, Query(min_length=1, max_length=80,
                                              description="Only this therapist's.")] = None,
    phase: Annotated[Phase | None, Query(description="Only pathways in this phase.")] = None,
    protocol: Annotated[str | None, Query(json_schema_extra={"enum": PROTOCOL_IDS},
                                          description="Only this protocol's.")] = None,
    has_open_flags: Annotated[bool | None, Query(
        description="true: only pathways with a safety flag not yet resolved; false: none."
    )] = None,
    outreach_due: Annotated[bool | None, Query(
        description="true: only pathways where outreach is due (IPT-21); false: the others."
    )] = None,
    after: ListAfter = 0,
    limit: ListLimit = 50,
    min_position: ListMinPosition = 0,
) -> PathwayList:
    """Pathways in the order they were opened, filtered, from the ``pathways`` read model.

    One indexed read, no replay. The read model follows the event log, so a command's effect
    shows here shortly after its answer (``log_position`` says how far the list has read).
    Paging is by cursor: pass ``next_after`` back as ``after`` with the same filters; a
    pathway opened meanwhile appears on a later page, never twice. A therapist sees their
    own caseload, a supervisor the caseloads they supervise; naming another therapist is 403.
    """
    therapists = caseload_filter(granted, therapist_id)
    if protocol is not None and protocol not in PROTOCOL_IDS:
        raise BadRequestField("query.protocol", f"must be one of {', '.join(PROTOCOL_IDS)}",
                              status=422)
    read = read_live(container, PathwaysProjection(), min_position, lambda tx: (
        pathways_view.list_pathways(
            tx, therapist=therapist_id, phase=phase, protocol=protocol,
            has_open_flags=has_open_flags, outreach_due=outreach_due, after=after, limit=limit,
            therapists=therapists)))
    if read is None:  # no worker has prepared it yet: nothing is listed so far
        return PathwayList(items=[], next_after=None, log_position=0)
    page, position = read
    return PathwayList(items=[PathwaySummary.of(row) for row in page.items],
                       next_after=page.next_after, log_position=position)


def read_live(container: Container, projection: Projection, min_position: int,
                 read: Callable[[Tx], T]) -> tuple[T, int] | None:
    """One read of ``projection``'s live generation once it has read the log up to
    ``min_position`` (``wait_until_read``), with the log position it has read; None while no
    worker has prepared the read model yet."""
    store = container.read_store
    wait_until_read(container, projection.name, min_position)
    try:
        tables = live_tables(store, projection)
    except ReadModelNotReady:
        return None
    with store.reading() as tx:
        position = next((t.position for t in tracked(tx, projection.name) if t.live), 0)
        return read(tx.with_tables(tables)), position


def wait_until_read(container: Container, name: str, min_position: int) -> None:
    """Read your writes: wait (briefly) until read model ``name`` has read the log up to
    ``min_position``; 422 beyond the log's head, 503 (``ReadModelBehind``) if it has not in
    time. Nothing to wait for at 0."""
    if not min_position:
        return
    if min_position > (head := OrderedLog(container.pathways).head()):
        raise BadRequestField("query.min_position", f"is beyond the log's head ({head}): no"
                              " command has been recorded there yet", status=422)
    if not container.wait_for(name, min_position, READ_YOUR_WRITES_WAIT):
        reached = live_position(container.read_store, name) or 0
        raise ReadModelBehind(name, min_position, reached)


def caseload_filter(granted: Granted, therapist_id: str | None) -> frozenset[str] | None:
    """The therapists a list may show the caller: their caseload when that is their scope
    (None: everyone's); a therapist outside it is refused."""
    if granted.scope is not CASELOAD or granted.principal is None:
        return None
    principal = granted.principal
    if therapist_id is not None and therapist_id not in principal.caseload:
        raise Forbidden(principal, granted.action, f"{therapist_id[:80]} is not in the"
                        f" caseload of {principal.subject} ({principal.role})",
                        outside_caseload=True)
    return principal.caseload


@router.get("/{pathway_id}", response_model=PathwayView, summary="A pathway's state",
            responses=STATE_RESPONSES)
def get_pathway(
    *, pathway_id: PathwayId, pathways: QueriesDep, request: Request, response: Response,
    version: Annotated[int | None, Query(ge=1, le=MAX_POSITION, description=(
        "The state as of this version (an as-of read: recorded in the access log)."))] = None,
    purpose: PurposeQuery = None,
) -> PathwayView:
    """The pathway's state as its events left it: phase, counts, contract, flags, deviations.

    ``ETag`` carries the version; send it back as ``If-Match`` with a command decided on it.
    """
    reader = None if version is None else reader_of(request, purpose)
    pathway = pathways.pathway(pathway_id, version)  # beyond the latest: VersionNotFound
    if reader is not None:
        record(request, reader, "read-as-of", pathway_id)
    response.headers["ETag"] = f'"{pathway.version}"'
    return PathwayView.of(pathway)


@router.get("/{pathway_id}/history", response_model=HistoryPage, summary="A pathway's events")
def get_history(
    *, pathway_id: PathwayId, pathways: QueriesDep, request: Request,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION,
                                description="Return events after this version.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    purpose: PurposeQuery = None,
) -> HistoryPage:
    """Every recorded event in order, with clinical and server time, actor and correlation.
    Each read is recorded in the access log."""
    reader = reader_of(request, purpose)
    events = pathways.history(pathway_id, after=after, until=after + limit)
    if not events:
        pathways.pathway(pathway_id)  # an unknown pathway is 404, not an empty page
    record(request, reader, "read-history", pathway_id)
    next_after = events[-1].originator_version if len(events) == limit else None
    return HistoryPage(pathway_id=pathway_id, events=[HistoryEvent.of(e) for e in events],
                       next_after=next_after)
