"""Export endpoints: one pathway, or every pathway of a period, as JSON lines or a FHIR R4
bundle, streamed as written (a period's export is never held whole in memory)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.audit.export import FORMATS, MEDIA_TYPES, Format
from services.audit.instants import instant
from services.http.audit.access import TrailDep
from services.http.headers import PathwayId
from services.http.problems import BadRequestField
from services.http.views import PROBLEM

FormatQuery = Annotated[Format, Query(alias="format", description=(
    "`jsonl`: one line per stored event (as the history shows it); `fhir`: a FHIR R4"
    " collection Bundle (EpisodeOfCare, CarePlan, Encounter, Observation, Condition, Consent,"
    " Provenance)."))]
PERIOD_TIME = ("An ISO 8601 date-time with an offset, or a date (the start of that day, UTC)."
               " Clinical time: a pathway belongs to the period if one of its events occurred"
               " in it.")
EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The export, streamed.",
          "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()}},
    404: PROBLEM, 422: PROBLEM, 503: PROBLEM,
}

router = APIRouter()


@router.get("/pathways/{pathway_id}/export", response_class=StreamingResponse,
            responses=EXPORTED, summary="Export a pathway (JSON lines or FHIR)")
def export_pathway(pathway_id: PathwayId, trail: TrailDep,
                   form: FormatQuery = "fhir") -> StreamingResponse:
    """The pathway's whole history as JSON lines, or as a FHIR R4 bundle."""
    chunks = trail.export_pathway(pathway_id, form)
    return _streamed(chunks, form, f"pathway-{pathway_id}")


@router.get("/exports", response_class=StreamingResponse, responses=EXPORTED,
            summary="Export every pathway of a period (JSON lines or FHIR)")
def export_period(
    trail: TrailDep,
    since: Annotated[str, Query(min_length=10, max_length=40, description=(
        "The period's first instant (included). " + PERIOD_TIME))],
    until: Annotated[str, Query(min_length=10, max_length=40, description=(
        "The period's end (excluded). " + PERIOD_TIME))],
    form: FormatQuery = "fhir",
) -> StreamingResponse:
    """Every pathway with an event that occurred in [since, until), each whole."""
    start = instant(since, "query.since", start_of_day=True)
    end = instant(until, "query.until", start_of_day=True)
    if end <= start:
        raise BadRequestField("query.until", "must be after since", status=422)
    chunks = trail.export_period(start, end, form)
    return _streamed(chunks, form, f"pathways-{start.date()}-{end.date()}")


def _streamed(chunks: Any, form: Format, name: str) -> StreamingResponse:
    suffix = "jsonl" if form == "jsonl" else "fhir.json"
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[form], headers={
        "Content-Disposition": f'attachment; filename="{name}.{suffix}"'})


__all__ = ["FORMATS", "router"]
