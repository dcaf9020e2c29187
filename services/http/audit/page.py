"""The audit page: ``/audit`` lists pathways to open; ``/audit?pathway=<id>`` shows one
pathway's timeline (every event, both times, actor, rules, deviations) and a stepper through
its versions (the state after each and what the event changed); a group's id (or
``?group=<id>``) shows the group's page (``group_page``).

The page is rendered whole by the server, so it reads and works without a script (the
stepper is a GET form); ``audit.js`` then steps without reloading, from the steps endpoint.
Everything is served by the service itself; the dashboard's style sheet is reused.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from projections.pathways import PathwaysProjection
from projections.pathways import view as pathways_view
from services.audit.formatting import when
from services.audit.trail import AuditTrail, Step
from services.composition import Container
from services.errors import GroupNotFound, PathwayNotFound
from services.http.audit.as_of_form import AsOfAsked
from services.http.audit.group_page import group_page
from services.http.audit.rendering import render
from services.http.auth.reading import (
    MAX_PURPOSE,
    PURPOSE_COOKIE,
    logged_trail,
    purpose_of,
    reader_of,
)
from services.http.dashboard.assets import STATIC as DASHBOARD_STATIC
from services.http.dashboard.reading import live
from services.http.problems import BadRequestField

log = logging.getLogger("carepath.audit")
router = APIRouter(prefix="/audit")
LISTED = 25
OWN_ASSETS = {"audit.css": "text/css", "audit.js": "text/javascript"}
STATIC = Path(__file__).parent / "static"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@router.get("", include_in_schema=False, response_class=HTMLResponse)
def audit_page(request: Request) -> HTMLResponse:
    """Sync: it reads the event store (a worker thread, not the event loop).

    Opening a pathway is a read of its history, recorded in the access log with the purpose
    the reader states in the index's form; the page keeps it (a session cookie) for the
    reads it makes next (other versions, the as-of form, the stepper's script)."""
    container: Container = request.app.state.container
    query = request.query_params
    group = (query.get("group") or "").strip()
    chosen = group or (query.get("pathway") or "").strip()
    stated = (query.get("purpose") or "").strip() or None
    purpose = purpose_of(request, stated)
    if not chosen:
        after = _number(query.get("after"))
        listed, next_after = _listed(container, after)
        return render("audit_index.html", pathways=listed, next_after=next_after,
                      purpose=purpose)
    if not _UUID.fullmatch(chosen):
        return _not_found(chosen, f"is not a {'group' if group else 'pathway'} id (a UUID,"
                                  " 8-4-4-4-12 hex digits)")
    if stated is not None and not (3 <= len(stated) <= MAX_PURPOSE  # noqa: PLR2004
                                   and stated.isprintable()):
        return _index_error(chosen, None, "The purpose must be 3 to 200 characters of text.")
    try:
        reader = reader_of(request, stated)
    except BadRequestField:
        return _index_error(chosen, None, "State the purpose of this review: it is recorded in"
                                          " the access log with each record you open.")
    trail = logged_trail(request, reader)
    version = _number(query.get("version"))
    asked = AsOfAsked.of(query.get("axis"), query.get("at"), query.get("known"))
    try:
        if group:
            raise PathwayNotFound(chosen)
        page = _pathway_page(trail, UUID(chosen), version, asked, purpose=reader.purpose)
    except PathwayNotFound:  # a group's id, or none
        try:
            page = group_page(trail.groups(), UUID(chosen), version, asked,
                              purpose=reader.purpose)
        except GroupNotFound:
            return _not_found(chosen, "names no pathway or group in the event store")
    if stated is not None:
        page.set_cookie(PURPOSE_COOKIE, reader.purpose, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return page


def _pathway_page(trail: AuditTrail, pathway_id: UUID, version: int | None,
                  asked: AsOfAsked, *, purpose: str) -> HTMLResponse:
    history = trail.history(pathway_id)
    latest = history.latest_version
    selected = latest if version is None else max(1, min(version, latest))
    (step,) = trail.steps(pathway_id, after=selected - 1, limit=1).steps
    opened = history.entries[0].data
    answer = asked.answer(trail, pathway_id)
    return render("audit_pathway.html", 400 if answer.refused else 200, pathway_id=pathway_id,
                  entries=history.entries, latest=latest, selected=selected, step=step,
                  opened=opened, summary=step_summary(step, latest), state=step.state,
                  asked=asked, as_of=answer.as_of, as_of_error=answer.error, purpose=purpose)


def step_summary(step: Step, latest: int) -> str:
    entry = step.entry
    return (f"Version {entry.version} of {latest}: {entry.type}, occurred"
            f" {when(entry.occurred_at)}, recorded {when(entry.recorded_at)}, by"
            f" {entry.actor_id} ({entry.actor_role}).")


def _listed(container: Container, after: int | None) -> tuple[list[Any], int | None]:
    projection = PathwaysProjection()
    try:
        with live(container.read_store, projection.name) as read:
            if read.tx is None:
                return [], None
            page = pathways_view.list_pathways(read.tx, after=after or 0, limit=LISTED)
    except Exception as error:  # noqa: BLE001 - the page still serves; the id form works
        log.warning("audit page: the pathways list is unreadable: %s", error)
        return [], None
    return list(page.items), page.next_after


def _not_found(chosen: str, reason: str) -> HTMLResponse:
    return render("audit_index.html", 404, pathways=[], next_after=None,
                  error=f"{chosen[:80]} {reason}.", chosen=chosen[:80])


def _index_error(chosen: str, purpose: str | None, message: str) -> HTMLResponse:
    return render("audit_index.html", 400, pathways=[], next_after=None, error=message,
                  chosen=chosen[:80], purpose=purpose, purpose_error=True)


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 16 else None  # noqa: PLR2004


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name == "dashboard.css":  # the dashboard's look, shared
        return FileResponse(DASHBOARD_STATIC / name, media_type="text/css",
                            headers={"Cache-Control": "no-cache"})
    media_type = OWN_ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, f"The audit page has no asset {name[:40]!r}.")
    return FileResponse(STATIC / name, media_type=media_type,
                        headers={"Cache-Control": "no-cache"})
