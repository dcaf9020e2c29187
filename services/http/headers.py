"""The request's context as ``Annotated`` dependencies: who calls, which pathway, which version.

Handler signatures then read like a contract: ``caller: CallerDep, expected: ExpectedVersion``.
Who calls comes from the bearer token the guard verified (``services.http.auth.guard``), never
from a header.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import Depends, Header, Path, Request, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.access.gate import caller_of
from services.access.principal import Principal
from services.application import Caller, Pathways
from services.composition import Container
from services.errors import PathwayNotFound
from services.http.auth.granted import Granted
from services.http.problems import BadRequestField
from services.queries import PathwayQueries

MAX_TOKEN = 200
_PRINTABLE_ID = r"^[!-~]([ -~]*[!-~])?$"
"""Printable ASCII, no leading or trailing space: ids that logs and brokers carry safely."""
_PRINTABLE_ID_RE = re.compile(_PRINTABLE_ID)
_IF_MATCH = r'^(\*|"[0-9]{1,15}"|[0-9]{1,15})$'
MAX_IF_MATCH = 40
_VERSION_TAG = re.compile(r'"([0-9]{1,15})"|([0-9]{1,15})')
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID = re.compile(UUID_PATTERN)


def is_token(value: str) -> bool:
    """Whether ``value`` is an id header's value as the dependencies below require it."""
    return len(value) <= MAX_TOKEN and _PRINTABLE_ID_RE.fullmatch(value) is not None


def version_of(if_match: str | None) -> int | None:
    """The version an ``If-Match`` value names (None: any), or a 400 naming the header."""
    if if_match is None or if_match == "*":
        return None
    match = _VERSION_TAG.fullmatch(if_match)
    if match is None:
        raise BadRequestField("header.If-Match", 'must be one version: "<version>" or <version>')
    return int(match[1] or match[2])


def pathway_uuid(text: str) -> UUID:
    """An id in any other spelling names no pathway: 404, like any unknown id."""
    if not _UUID.fullmatch(text):
        raise PathwayNotFound(text)
    return UUID(text)


def _token(alias: str, description: str) -> Any:
    return Header(alias=alias, min_length=1, max_length=MAX_TOKEN, pattern=_PRINTABLE_ID,
                  description=description)


IdempotencyKeyHeader = Annotated[str | None, _token(
    "Idempotency-Key",
    "Recognises a retry: the same key with the same body answers with the first result (200)"
    " and records nothing new. Optional; when absent the server generates one and returns it"
    " in the response header, so a client that may retry should send its own.")]
CorrelationIdHeader = Annotated[str | None, _token(
    "X-Correlation-Id", "Ties the events to a wider operation; generated if absent, echoed.")]
IfMatchHeader = Annotated[str | None, Header(
    alias="If-Match", max_length=MAX_IF_MATCH, json_schema_extra={"pattern": _IF_MATCH},
    description='The pathway version the command was decided on: `"<version>"` (the ETag) or'
                " `<version>`; a different current version answers 412.")]


async def caller(*, request: Request, response: Response,
                 idempotency_key: IdempotencyKeyHeader = None,
                 correlation_id: CorrelationIdHeader = None) -> Caller:
    """The command's caller: the token's principal (the guard ran first), the request's key
    (generated when absent, and returned) and correlation id."""
    found = caller_of(principal_of(request), idempotency_key=idempotency_key,
                      correlation_id=correlation_id or request.state.correlation_id)
    response.headers["Idempotency-Key"] = found.idempotency_key
    return found


def granted_of(request: Request) -> Granted:
    """What the guard granted this request (it runs before every route's dependencies)."""
    found: Granted = request.state.granted
    return found


def principal_of(request: Request) -> Principal:
    """The authenticated caller of a route the guard let through (never a public route)."""
    found = granted_of(request).principal
    if found is None:
        msg = "a public route asked who calls"
        raise RuntimeError(msg)
    return found


async def granted(request: Request) -> Granted:
    return granted_of(request)


async def principal(request: Request) -> Principal:
    return principal_of(request)


async def expected_version(if_match: IfMatchHeader = None) -> int | None:
    return version_of(if_match)


async def pathway_id(pathway_id: Annotated[str, Path(
        description="The pathway's id: a UUID, `8-4-4-4-12` hex digits.",
        json_schema_extra={"format": "uuid", "pattern": UUID_PATTERN})]) -> UUID:
    return pathway_uuid(pathway_id)


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


async def pathways(request: Request) -> Pathways:
    return container(request).pathways


async def queries(request: Request) -> PathwayQueries:
    return container(request).queries


# The dependencies above are coroutines because none of them blocks: a plain ``def`` would
# cost each request one worker-thread hop per dependency.
CallerDep = Annotated[Caller, Depends(caller)]
GrantedDep = Annotated[Granted, Depends(granted)]
PrincipalDep = Annotated[Principal, Depends(principal)]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]
PathwayId = Annotated[UUID, Depends(pathway_id)]
PathwaysDep = Annotated[Pathways, Depends(pathways)]
QueriesDep = Annotated[PathwayQueries, Depends(queries)]
ContainerDep = Annotated[Container, Depends(container)]


class CorrelationMiddleware:
    """Gives every request a correlation id (the caller's, if well formed) and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-correlation-id", "")
        correlation_id = given if is_token(given) else str(uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation_id
            await send(message)

        await self.app(scope, receive, send_with_id)
