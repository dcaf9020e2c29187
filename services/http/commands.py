"""Command routes: ``POST /pathways`` and one ``POST /pathways/{id}/<command>`` per command.

The routes come from one table, but each keeps its command class as the body type, so the
OpenAPI document shows every command's schema. A new record answers 201, a retry of the same
request (same ``Idempotency-Key``, same body) 200 with the first answer; both carry the
pathway's version as ``ETag``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from domain.pathway import commands as c
from services.application import CommandResult
from services.commands import ROUTES, CommandRoute
from services.http.body import StrictJsonRoute
from services.http.headers import CallerDep, ExpectedVersion, PathwayId, PathwaysDep
from services.http.strict import refuse_coercions
from services.http.views import PROBLEM, CommandOutcome

ANSWER_HEADERS: dict[str, Any] = {
    "ETag": {"description": 'The pathway\'s version after the command, `"<version>"`.',
             "required": True, "schema": {"type": "string", "pattern": r'^"[0-9]+"$'}},
    "Idempotency-Key": {"description": "The request's key (the caller's, or generated).",
                        "required": True, "schema": {"type": "string"}},
}
COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": CommandOutcome, "headers": ANSWER_HEADERS,
          "description": "A retry: the first attempt's answer; nothing new is recorded."},
    201: {"headers": ANSWER_HEADERS, "description": "Recorded."},
    400: PROBLEM, 404: PROBLEM, 409: PROBLEM, 412: PROBLEM, 413: PROBLEM, 415: PROBLEM,
    422: PROBLEM, 503: PROBLEM,
}
LOCATION = {"description": "The new pathway: `/pathways/<id>`.", "required": True,
            "schema": {"type": "string"}}
OPEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMAND_RESPONSES,
    201: {"headers": {**ANSWER_HEADERS, "Location": LOCATION}, "description": "Opened."},
    200: {**COMMAND_RESPONSES[200], "headers": {**ANSWER_HEADERS, "Location": LOCATION}},
}

router = APIRouter(prefix="/pathways", tags=["commands"], route_class=StrictJsonRoute)


def answer(result: CommandResult, headers: Iterable[tuple[bytes, bytes]]) -> Response:
    """The outcome as JSON, after ``headers`` (those the dependencies set), then the ``ETag``.

    Returned as a ``Response``, so FastAPI does not validate and serialise the model it was
    built from a second time; ``response_model`` still documents it. The fast path
    (services/http/fast_commands.py) answers with it too.
    """
    body = CommandOutcome.of(result).model_dump_json().encode()
    sent = Response(body, status_code=200 if result.replayed else 201,
                    media_type="application/json")
    sent.raw_headers.extend(headers)
    sent.raw_headers.append((b"etag", f'"{result.version}"'.encode()))
    return sent


def location(result: CommandResult) -> str:
    return f"/pathways/{result.pathway_id}"


@router.post("", status_code=201, response_model=CommandOutcome, responses=OPEN_RESPONSES,
             summary="Open a pathway (records PathwayOpened)", operation_id="open_pathway")
async def open_pathway(*, command: c.OpenPathway, request: Request, response: Response,
                       caller: CallerDep, pathways: PathwaysDep) -> Response:
    """Open a pathway for one client with one therapist under one protocol.

    The new pathway's id derives from the actor and the ``Idempotency-Key``, so a retry with
    the same key finds the pathway the first attempt opened instead of opening a second one.
    """
    await refuse_coercions(request, command)
    result = await run_in_threadpool(pathways.open_pathway, command, caller)
    response.headers["Location"] = location(result)
    return answer(result, response.raw_headers)


def _endpoint(route: CommandRoute) -> Callable[..., Awaitable[Response]]:
    async def endpoint(*, pathway_id: PathwayId, command: Any, request: Request,
                       response: Response, caller: CallerDep, expected_version: ExpectedVersion,
                       pathways: PathwaysDep) -> Response:
        await refuse_coercions(request, command)
        result = await run_in_threadpool(pathways.execute, pathway_id, command, caller,
                                         expected_version)
        return answer(result, response.raw_headers)

    # Why: FastAPI reads the body type from the annotation, and it differs per route.
    endpoint.__annotations__["command"] = route.command
    endpoint.__name__ = endpoint.__qualname__ = route.name
    endpoint.__doc__ = (f"{route.summary}. Records {route.records}.\n\nA clinical rule it"
                        " breaks answers 422 with the rule id; nothing is recorded.")
    return endpoint


for _route in ROUTES:
    router.add_api_route(
        f"/{{pathway_id}}/{_route.path}", _endpoint(_route), methods=["POST"], status_code=201,
        response_model=CommandOutcome, responses=COMMAND_RESPONSES,
        summary=f"{_route.summary} (records {_route.records.split(',')[0]})",
        operation_id=_route.name,
    )
