"""The guard every route passes first: the caller's token, and the route's action for them.

Installed as a dependency of the whole application (so it runs before a route's own
parameters and body are checked: no token is 401 before any 422), and called first by the
strict JSON routes and the command fast path. It finds the route's action in the route table
(``table``), authenticates the bearer token (``Authorization: Bearer``; on GET, the pages'
cookie too), decides the action with the policy table, and, for a route on one pathway, checks
that the pathway is in the caller's caseload when the role's scope is a caseload. The
principal and the scope it was granted are left on ``request.state`` for the route.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path

from services.access.gate import Gate
from services.access.policy import ANONYMOUS, CASELOAD, Scope, authorize, scope_of
from services.access.tokens import TokenRefused
from services.http.auth.granted import Granted
from services.http.auth.table import PAGES, action_for

log = logging.getLogger("carepath.access")
COOKIE = "carepath_token"
"""The pages' token, set by the login page: HttpOnly, SameSite=Strict, read on GET only."""
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SAFE = frozenset({"GET", "HEAD"})


class NoPolicy(Exception):
    """The route is missing from the route table: refused to everyone until it is listed."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"{method} {path} has no entry in the access route table")


class LoginRequired(Exception):
    """A page opened without a usable token: the browser is sent to the login page."""

    def __init__(self, refused: TokenRefused) -> None:
        super().__init__(refused.detail)
        self.refused = refused


class RouteIndex:
    """Which route template a matched route serves (a route object can be included at two
    prefixes), built from the application's route table."""

    def __init__(self, app: FastAPI) -> None:
        self.templates: dict[int, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
        for context in iter_route_contexts(app.routes):
            if context.path_format:
                regex = compile_path(context.path_format)[0]
                self.templates[id(context.original_route)].append((regex, context.path_format))

    def template(self, route: Any, path: str) -> str | None:
        found = self.templates.get(id(route), [])
        if len(found) == 1:
            return found[0][1]
        return next((template for regex, template in found if regex.match(path)), None)


def index_of(app: FastAPI) -> RouteIndex:
    index: RouteIndex | None = getattr(app.state, "route_index", None)
    if index is None:
        index = app.state.route_index = RouteIndex(app)
    return index


def template_of(request: Request) -> str:
    route, path = request.scope.get("route"), request.scope["path"]
    template = index_of(request.app).template(route, path)
    if template is None:  # a route added after the index was built
        request.app.state.route_index = None
        template = index_of(request.app).template(route, path)
    return template or path


def bearer(request: Request) -> str | None:
    """The request's token: ``Authorization: Bearer <token>``, or on GET the pages' cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    if request.method in _SAFE:
        return request.cookies.get(COOKIE)
    return None


async def guard(request: Request) -> Granted:
    """Authenticate and authorize the request for its route (once per request)."""
    granted: Granted | None = getattr(request.state, "granted", None)
    if granted is not None:
        return granted
    template = template_of(request)
    action = action_for(request.method, template)
    if action is None:
        log.error("refused %s %s: the route has no access policy", request.method, template)
        raise NoPolicy(request.method, template)
    if action in ANONYMOUS:
        granted = Granted(None, action, Scope.ALL)
    else:
        gate: Gate = request.app.state.container.gate
        try:
            principal = gate.authenticate(bearer(request))
        except TokenRefused as refused:
            if template in PAGES and request.method in _SAFE:
                raise LoginRequired(refused) from None
            raise
        scope = scope_of(principal, action)
        pathway_id = _pathway_id(request)
        if scope is CASELOAD and pathway_id is not None:
            therapist = gate.caseloads.known(pathway_id)
            if therapist is None:  # the first look at this pathway reads its opening
                therapist = await run_in_threadpool(gate.caseloads.therapist_of, pathway_id)
            authorize(principal, action, therapist)
        granted = Granted(principal, action, scope)
    request.state.granted = granted
    return granted


def _pathway_id(request: Request) -> UUID | None:
    """The route's pathway; an id that is not a UUID names none (the route answers 404)."""
    text = request.path_params.get("pathway_id")
    return UUID(text) if isinstance(text, str) and _UUID.fullmatch(text) else None
