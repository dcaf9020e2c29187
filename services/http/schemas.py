"""The published JSON Schemas of the integration events, served where ``dataschema`` points.

``GET /schemas/events`` lists every event type with its published versions;
``GET /schemas/events/<Name>/v<N>.json`` is one version's file exactly as in the repository
(``services/integration/schemas``).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response

from services.http.views import PROBLEM, View
from services.integration.catalogue import INTEGRATION_EVENTS, by_name
from services.integration.envelope import schema_path, source_of
from services.integration.schemas import published, schema_file

router = APIRouter(tags=["events"], responses={404: PROBLEM})
SCHEMA_JSON = "application/schema+json"
EventName = Annotated[str, Path(pattern=r"^[A-Z][A-Za-z]{1,60}$", description="`SessionHeld`")]


class EventTypeView(View):
    name: str
    type: str
    """The CloudEvents ``type`` its events carry now."""
    source: str
    version: int
    """The version its events carry now (``schemaversion``)."""
    schemas: dict[str, str]
    """Every published version's URL, by version."""


class EventTypesView(View):
    events: list[EventTypeView]


@router.get("/schemas/events", summary="Every event type and its published schemas")
def list_schemas(request: Request) -> EventTypesView:
    base = request.app.state.container.envelopes.public_url
    return EventTypesView(events=[EventTypeView(
        name=event.name(), type=event.cloudevents_type(), source=source_of(event),
        version=event.version,
        schemas={str(number): base + schema_path(event, number)
                 for number in published(event.name())},
    ) for event in INTEGRATION_EVENTS])


@router.get("/schemas/events/{name}/v{version}.json",
            summary="One published version of an event's JSON Schema",
            response_class=Response,
            responses={200: {"content": {SCHEMA_JSON: {"schema": {"type": "object"}}}}})
def get_schema(name: EventName, version: Annotated[int, Path(ge=1, le=10_000)]) -> Response:
    body = _schema_bytes(name, version)
    if body is None:
        raise HTTPException(404, f"no published schema {name} v{version}")
    return Response(body, media_type=SCHEMA_JSON,
                    headers={"Cache-Control": "public, max-age=86400, immutable"})


@cache
def _schema_bytes(name: str, version: int) -> bytes | None:
    """A published file's bytes (they never change, so they are read once)."""
    if by_name(name) is None:
        return None
    path = schema_file(name, version)
    return path.read_bytes() if path.is_file() else None
