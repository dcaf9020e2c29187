"""``GET /ops/dashboard/<panel>``: one panel's numbers as JSON, filtered like the page.

Each answer says which log position its read model was at, so the page knows whether a live
update has already been read. A read model that no worker has built yet answers 200 with
``ready: false`` and no numbers: the page says so instead of showing zeros.
"""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request, Response

from services.composition import Container
from services.http.dashboard.filters import Filters, FiltersDep
from services.http.dashboard.panels import PANELS
from services.http.dashboard.reading import live
from services.http.dashboard.shapes import Panel, PanelSpec
from services.http.dashboard.urls import PREFIX

router = APIRouter(prefix=PREFIX)


def read_panel(container: Container, spec: PanelSpec, filters: Filters) -> Panel:
    now = container.pathways.clock().astimezone(UTC)
    with live(container.read_store, spec.projection, spec.joins) as read:
        if read.tx is None:
            return Panel(id=spec.id, title=spec.title, ready=False, chart=None, tables=[],
                         summary=f"The {spec.projection} read model is still being built:"
                                 " its numbers appear here when it has caught up.")
        content = spec.build(read.tx, filters, now)
    return Panel(id=spec.id, title=spec.title, position=read.position, summary=content.summary,
                 chart=content.chart, tables=content.tables, note=content.note or spec.note)


def _route(spec: PanelSpec) -> None:
    def answer(request: Request, response: Response, filters: FiltersDep) -> Panel:
        response.headers["Cache-Control"] = "no-store"
        return read_panel(request.app.state.container, spec, filters)

    answer.__name__ = f"dashboard_{spec.id}"
    router.add_api_route(f"/{spec.id}", answer, methods=["GET"], response_model=Panel,
                         include_in_schema=False)


for _spec in PANELS:
    _route(_spec)
