"""Group routes: ``POST /groups`` and ``POST /groups/{id}/<command>``, ``GET /groups/{id}`` and
its history.

As for pathways: strict JSON bodies typed by the command class (so the OpenAPI document shows
each schema), the same headers (actor, ``Idempotency-Key``, ``X-Correlation-Id``, ``If-Match``
on the group's version), a new record 201 and a retry 200 with the first answer, the version as
``ETag``, refusals as problem documents with the rule id. A member's refusal names the member
(``member``). Holding a session records on the group and on every member's pathway in one
transaction; its answer lists what each member's pathway recorded.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from domain.group import commands as g
from domain.group.aggregate import Group
from services.commands import GROUP_ROUTES, CommandRoute
from services.errors import GroupNotFound
from services.groups import GroupResult, Groups, authorize_leaders
from services.http.auth.reading import PurposeQuery, reader_of, record
from services.http.body import StrictJsonRoute
from services.http.commands import ANSWER_HEADERS
from services.http.group_views import GroupHistoryPage, GroupOutcomeView, GroupView
from services.http.headers import (
    UUID_PATTERN,
    CallerDep,
    ExpectedVersion,
    container,
    granted_of,
)
from services.http.queries import MAX_PAGE, MAX_POSITION, QUERY_RESPONSES, STATE_RESPONSES
from services.http.strict import refuse_coercions
from services.http.views import PROBLEM

TAG = {"name": "groups", "description": (
    "Group IPT (ipt-g): form a group, enrol members (each an ipt-g pathway), hold sessions"
    " (recorded on the group and on every member's pathway in one transaction), close it.")}
GROUP_HEADERS: dict[str, Any] = {
    **ANSWER_HEADERS,
    "ETag": {"description": 'The group\'s version after the command, `"<version>"`.',
             "required": True, "schema": {"type": "string", "pattern": r'^"[0-9]+"$'}},
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": GroupOutcomeView, "headers": GROUP_HEADERS,
          "description": "A retry: the first attempt's answer; nothing new is recorded."},
    201: {"headers": GROUP_HEADERS, "description": "Recorded."},
    400: PROBLEM, 404: PROBLEM, 409: PROBLEM, 412: PROBLEM, 413: PROBLEM, 415: PROBLEM,
    422: PROBLEM, 503: PROBLEM,
}
LOCATION = {"description": "The new group: `/groups/<id>`.", "required": True,
            "schema": {"type": "string"}}
FORM_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    201: {"headers": {**GROUP_HEADERS, "Location": LOCATION}, "description": "Formed."},
    200: {**RESPONSES[200], "headers": {**GROUP_HEADERS, "Location": LOCATION}},
}

_UUID = re.compile(UUID_PATTERN)
commands = APIRouter(prefix="/groups", tags=["groups"], route_class=StrictJsonRoute)
queries = APIRouter(prefix="/groups", tags=["groups"], responses=QUERY_RESPONSES)


async def groups(request: Request) -> Groups:
    return container(request).groups


async def group_id(group_id: Annotated[str, Path(
        description="The group's id: a UUID, `8-4-4-4-12` hex digits.",
        json_schema_extra={"format": "uuid", "pattern": UUID_PATTERN})]) -> UUID:
    """An id in any other spelling names no group: 404, like any unknown id."""
    if not _UUID.fullmatch(group_id):
        raise GroupNotFound(group_id)
    return UUID(group_id)


GroupsDep = Annotated[Groups, Depends(groups)]
GroupId = Annotated[UUID, Depends(group_id)]


ROUTES = GROUP_ROUTES
"""The group's commands, from the table the broker edge shares (``services.commands``)."""


def answer(result: GroupResult, headers: Iterable[tuple[bytes, bytes]]) -> Response:
    body = GroupOutcomeView.of(result).model_dump_json().encode()
    sent = Response(body, status_code=200 if result.replayed else 201,
                    media_type="application/json")
    sent.raw_headers.extend(headers)
    sent.raw_headers.append((b"etag", f'"{result.version}"'.encode()))
    return sent


@commands.post("", status_code=201, response_model=GroupOutcomeView, responses=FORM_RESPONSES,
               summary="Form a group (records GroupFormed)", operation_id="form_group")
async def form_group(*, command: g.FormGroup, request: Request, response: Response,
                     caller: CallerDep, groups: GroupsDep) -> Response:
    """Form a group under a group protocol (ipt-g), with its leaders, planned sessions and
    capacity (IPT-03, IPT-33). Its id derives from the actor and the ``Idempotency-Key``: a
    retry finds the group the first attempt formed."""
    await refuse_coercions(request, command)
    result = await run_in_threadpool(groups.form, command, caller)
    response.headers["Location"] = f"/groups/{result.group_id}"
    return answer(result, response.raw_headers)


def _endpoint(route: CommandRoute) -> Callable[..., Awaitable[Response]]:
    async def endpoint(*, group_id: GroupId, command: Any, request: Request,
                       response: Response, caller: CallerDep, expected_version: ExpectedVersion,
                       groups: GroupsDep) -> Response:
        await refuse_coercions(request, command)
        result = await run_in_threadpool(groups.execute, group_id, command, caller,
                                         expected_version)
        return answer(result, response.raw_headers)

    # Why: FastAPI reads the body type from the annotation, and it differs per route.
    endpoint.__annotations__["command"] = route.command
    endpoint.__name__ = endpoint.__qualname__ = route.name
    endpoint.__doc__ = (f"{route.summary}. Records {route.records}.\n\nA clinical rule it"
                        " breaks answers 422 with the rule id (and `member` when a member's"
                        " pathway refused); nothing is recorded, on the group or any member.")
    return endpoint


for _route in ROUTES:
    commands.add_api_route(
        f"/{{group_id}}/{_route.path}", _endpoint(_route), methods=["POST"], status_code=201,
        response_model=GroupOutcomeView, responses=RESPONSES,
        summary=f"{_route.summary} (records {_route.records.split(',')[0]})",
        operation_id=_endpoint(_route).__name__,
    )


@queries.get("/{group_id}", response_model=GroupView, summary="A group's state",
             responses=STATE_RESPONSES)
def get_group(
    *, group_id: GroupId, groups: GroupsDep, response: Response, request: Request,
    version: Annotated[int | None, Query(ge=1, le=MAX_POSITION, description=(
        "The state as of this version (an as-of read: recorded in the access log)."))] = None,
    purpose: PurposeQuery = None,
) -> GroupView:
    """The group as its events left it: members, sessions and attendance, its ending, closure.

    ``ETag`` carries the version; send it back as ``If-Match`` with a command decided on it.
    """
    reader = None if version is None else reader_of(request, purpose)
    group = groups.load(group_id, version)
    _authorize_read(request, group)
    if reader is not None:
        record(request, reader, "read-as-of", group_id)
    response.headers["ETag"] = f'"{group.version}"'
    return GroupView.of(group)


@queries.get("/{group_id}/history", response_model=GroupHistoryPage,
             summary="A group's events")
def get_group_history(
    *, group_id: GroupId, groups: GroupsDep, request: Request,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION,
                                description="Return events after this version.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    purpose: PurposeQuery = None,
) -> GroupHistoryPage:
    """Every recorded event of the group in order, with clinical and server time and actor.
    Each read is recorded in the access log."""
    reader = reader_of(request, purpose)
    _authorize_read(request, groups.load(group_id))  # an unknown group is 404
    record(request, reader, "read-history", group_id)
    events = groups.history(group_id, after=after, until=after + limit)
    return GroupHistoryPage.of(group_id, events, limit)


def _authorize_read(request: Request, group: Group) -> None:
    """The guard granted the route's action; a caseload scope reaches a group its leaders
    are in (403 outside-caseload otherwise)."""
    granted = granted_of(request)
    if granted.principal is not None:
        authorize_leaders(granted.principal, granted.action, group.state.leaders)
