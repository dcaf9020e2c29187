"""The command routes' happy path without the framework's per-request machinery.

A command over HTTP used to cost about a millisecond of server CPU before the application was
called: dependency solving, a scan of the route table, the body parsed by the framework and
checked again. :class:`FastCommands` is a route placed first in the router that serves
``POST /pathways`` and ``POST /pathways/{id}/<command>`` by itself when it accepts the request
whole: one dict lookup for the route, the headers read once, the body read once and parsed
once by the same strict parser (UTF-8, one member per name), the command validated as the
framework validates it, the same coercion check, one worker-thread hop for the application,
and the answer built by the same function as the framework route's.

Who calls comes from the bearer token, verified by the same gate as every route's guard (a
verified token is remembered, so this costs a dictionary lookup); a request without a usable
token, or from a role that may issue no command, is refused here before its body is read, with
the guard's own answers. Anything else it does not accept as it stands (a repeated or invalid
header, a body that is empty, not JSON, not valid or relying on a lax conversion, a mounted
path) goes on to the framework route unchanged, with the body it read replayed, so every
refusal keeps exactly its wording and shape. Once the application was called the fast path
answers itself: a command is never executed twice. What the application raises (a broken rule,
a version mismatch, an outage) propagates to the application's exception handlers, as it does
from the framework route. The OpenAPI document is derived from the framework routes; this
route adds nothing to it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Message, Receive, Scope, Send

from domain.pathway import commands as c
from services.access.gate import Gate
from services.access.policy import Forbidden
from services.access.tokens import TokenRefused
from services.application import Caller, CommandResult, Pathways
from services.commands import ROUTES, CommandRoute
from services.http.body import parse, require_json
from services.http.commands import answer, location
from services.http.headers import MAX_IF_MATCH, is_token, pathway_uuid, version_of
from services.http.problems import refusal
from services.http.strict import mismatches

_PREFIX = "/pathways"
_ON_A_PATHWAY = _PREFIX + "/"
_TARGET = "carepath.fast_command"
"""Scope key: the command class and the pathway id as sent (None for ``POST /pathways``)."""
_PASSED = "carepath.fast_command_passed"
"""Scope key: the fast path handed this request on; it must not be offered it again."""
_CONTENT_TYPE = b"content-type"
_AUTHORIZATION = b"authorization"
_KEY = b"idempotency-key"
_CORRELATION = b"x-correlation-id"
_IF_MATCH = b"if-match"
_READ = frozenset({_CONTENT_TYPE, _AUTHORIZATION, _KEY, _CORRELATION, _IF_MATCH})


class _NotAccepted(Exception):
    """A header is not as the fast path needs it: the framework route words the refusal."""


@dataclass(frozen=True)
class _Accepted:
    """What the headers and the path say, all checked."""

    caller: Caller
    pathway_id: UUID | None
    expected_version: int | None
    pathways: Pathways


class FastCommands(BaseRoute):
    """The router's first route: the command routes' happy path (see the module)."""

    def __init__(self, routes: Iterable[CommandRoute] = ROUTES) -> None:
        self.commands: dict[str, type[c.Command]] = {route.path: route.command
                                                     for route in routes}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (scope["type"] != "http" or scope["method"] != "POST" or _PASSED in scope
                or scope.get("root_path")):
            return Match.NONE, {}
        path: str = scope["path"]
        if path == _PREFIX:
            return Match.FULL, {_TARGET: (c.OpenPathway, None)}
        if not path.startswith(_ON_A_PATHWAY):
            return Match.NONE, {}
        pathway, _, command_path = path[len(_ON_A_PATHWAY):].partition("/")
        command = self.commands.get(command_path)
        if command is None or not pathway:
            return Match.NONE, {}
        return Match.FULL, {_TARGET: (command, pathway)}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        command_class, pathway = scope[_TARGET]
        try:
            accepted = _accept_headers(scope, pathway)
        except (TokenRefused, Forbidden) as refused:  # before the body is read, as the guard
            await refusal(Request(scope), refused)(scope, receive, send)
            return
        except Exception:  # noqa: BLE001 - whatever it is, the framework route words it
            await _hand_on(scope, receive, send)
            return
        read: list[Message] = []
        body = await _body(receive, read)  # what the body limit raises is answered as usual
        command = None if body is None else _accept_body(command_class, body)
        if command is None:
            await _hand_on(scope, _replaying(read, receive), send)
            return
        # From here on the command may be recorded: this route answers, whatever happens.
        caller, pathways = accepted.caller, accepted.pathways
        headers = [(_KEY, caller.idempotency_key.encode("latin-1"))]
        result: CommandResult
        if accepted.pathway_id is None:
            opening = cast(c.OpenPathway, command)  # the one command without a pathway id
            result = await run_in_threadpool(pathways.open_pathway, opening, caller)
            headers.append((b"location", location(result).encode("latin-1")))
        else:
            result = await run_in_threadpool(pathways.execute, accepted.pathway_id, command,
                                             caller, accepted.expected_version)
        await answer(result, headers)(scope, receive, send)


def _accept_headers(scope: Scope, pathway: str | None) -> _Accepted:
    """The checked headers, read in one pass; :class:`_NotAccepted` if any is not as needed."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _READ:
            if name in found:  # repeated: the framework route decides which one counts
                raise _NotAccepted
            found[name] = value.decode("latin-1")
    container = scope["app"].state.container
    gate: Gate = container.gate
    key, correlation = found.get(_KEY), found.get(_CORRELATION)
    if_match = found.get(_IF_MATCH)
    if ((key is not None and not is_token(key))
            or (correlation is not None and not is_token(correlation))
            or (if_match is not None and len(if_match) > MAX_IF_MATCH)):
        raise _NotAccepted
    # The token's caller, refused (401/403) before the body is read; the pathway's caseload
    # is decided by the application, on the pathway it checks out.
    caller = gate.caller(_bearer(found.get(_AUTHORIZATION)), idempotency_key=key,
                         correlation_id=correlation or scope["state"]["correlation_id"])
    require_json(found[_CONTENT_TYPE])
    return _Accepted(caller=caller,
                     pathway_id=None if pathway is None else pathway_uuid(pathway),
                     expected_version=version_of(if_match),
                     pathways=container.pathways)


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _body(receive: Receive, read: list[Message]) -> bytes | None:
    """The whole body, every message kept in ``read``; None if the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _accept_body(command_class: type[c.Command], body: bytes) -> c.Command | None:
    """The command, validated as the framework validates a body; None if it is refused."""
    if not body:
        return None
    try:
        raw = parse(body)
        command = command_class.model_validate(raw, from_attributes=True)
    except Exception:  # noqa: BLE001 - any refusal is worded by the framework route
        return None
    return None if mismatches(raw, command) else command


def _replaying(read: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives back what the fast path already read."""
    pending = deque(read)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay


async def _hand_on(scope: Scope, receive: Receive, send: Send) -> None:
    """Route the request again, past this route: the framework route answers it."""
    scope[_PASSED] = True
    scope["state"].pop("granted", None)  # the framework route's guard decides afresh
    await scope["router"].app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Put the fast path first in ``app``'s router. Not an API route: the OpenAPI document,
    derived from the framework routes, does not see it."""
    app.router.routes.insert(0, FastCommands())
