"""Read routes: a pathway's state (now or as of a version), its history, and the list.

They read the event store directly. The read-side projections (one query, no replay per
pathway) come in a later issue; until then the list loads each pathway it shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.http.headers import PathwayId, QueriesDep
from services.http.views import (
    PROBLEM,
    HistoryEvent,
    HistoryPage,
    PathwayList,
    PathwaySummary,
    PathwayView,
    ProtocolRef,
)

QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {404: PROBLEM, 422: PROBLEM, 503: PROBLEM}
STATE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"headers": {"ETag": {
    "description": 'The version shown, `"<version>"`: send it back as If-Match.',
    "required": True, "schema": {"type": "string", "pattern": r'^"[0-9]+"$'}}}}}
MAX_PAGE = 500
MAX_POSITION = 2**62
"""Versions and log positions stay well inside a signed 64-bit integer, as the stores keep them."""

router = APIRouter(prefix="/pathways", tags=["queries"], responses=QUERY_RESPONSES)


@router.get("", response_model=PathwayList, summary="List opened pathways")
def list_pathways(
    pathways: QueriesDep,
    start: Annotated[int, Query(ge=1, le=MAX_POSITION,
                                description="Log position to start from.")] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PathwayList:
    """Pathways in the order they were opened, with their current phase and version.

    Each listed pathway is loaded from its events: the read-side projection that answers
    this from one table arrives in a later issue.
    """
    items = []
    opened = pathways.pathway_ids(start=start, limit=limit)
    for position, pathway_id in opened:
        pathway = pathways.pathway(pathway_id)
        state = pathway.state
        items.append(PathwaySummary(
            id=pathway_id, position=position, phase=state.phase, version=pathway.version,
            protocol=ProtocolRef(id=state.protocol_id, version=state.protocol_version),
            therapist_id=state.therapist_id))
    next_start = opened[-1][0] + 1 if len(opened) == limit else None
    return PathwayList(items=items, next_start=next_start)


@router.get("/{pathway_id}", response_model=PathwayView, summary="A pathway's state",
            responses=STATE_RESPONSES)
def get_pathway(
    pathway_id: PathwayId, pathways: QueriesDep, response: Response,
    version: Annotated[int | None, Query(ge=1, le=MAX_POSITION,
                                         description="The state as of this version.")] = None,
) -> PathwayView:
    """The pathway's state as its events left it: phase, counts, contract, flags, deviations.

    ``ETag`` carries the version; send it back as ``If-Match`` with a command decided on it.
    """
    pathway = pathways.pathway(pathway_id, version)  # beyond the latest: VersionNotFound
    response.headers["ETag"] = f'"{pathway.version}"'
    return PathwayView.of(pathway)


@router.get("/{pathway_id}/history", response_model=HistoryPage, summary="A pathway's events")
def get_history(
    pathway_id: PathwayId, pathways: QueriesDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION,
                                description="Return events after this version.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> HistoryPage:
    """Every recorded event in order, with clinical and server time, actor and correlation."""
    events = pathways.history(pathway_id, after=after, until=after + limit)
    if not events:
        pathways.pathway(pathway_id)  # an unknown pathway is 404, not an empty page
    next_after = events[-1].originator_version if len(events) == limit else None
    return HistoryPage(pathway_id=pathway_id, events=[HistoryEvent.of(e) for e in events],
                       next_after=next_after)
