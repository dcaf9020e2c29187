"""The write side's commands by request/reply on the broker, with HTTP's rules.

Each command of the shared table (``services.commands``), a pathway's or a group's, is answered
on ``<prefix>.commands.<name>`` (``carepath.commands.hold_session``,
``carepath.commands.hold_group_session``; several replicas share the work: a NATS queue
group, one RabbitMQ queue). A request is one JSON object::

    {"pathway_id": "<uuid>",                     (a group's command: "group_id"; absent
                                                  for open_pathway and form_group)
     "token": "<the caller's bearer token>",    (the JWT HTTP sends in Authorization)
     "idempotency_key": "visit-7",               (optional; generated and returned if absent)
     "expected_version": 12,                      (optional: HTTP's If-Match)
     "command": {"occurred_at": "...", ...}}      (the HTTP body of the same command)

and is checked as the HTTP edge checks a command: strict UTF-8 JSON with each member once, the
command's model, no lax conversion (``"3"`` for 3); the token as HTTP checks it (401), the
policy table as HTTP decides it (403; a group's command needs one of its leaders in the
caller's caseload). The reply is the HTTP answer's body with its ``status`` (201 recorded, 200
a retry answered from the first attempt), or the same problem document HTTP sends
(``status``, ``type``, ``rule`` for a clinical rule, ``member`` when a member's pathway
refused a group session).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from services.access.gate import Gate
from services.application import Caller, CommandResult, Pathways
from services.broker.caller import Bearer, Token, caller_of
from services.commands import OPEN, CommandRoute
from services.groups import GroupResult, Groups
from services.http.body import parse
from services.http.group_views import GroupOutcomeView
from services.http.problems import BadRequestField, field_path
from services.http.strict import mismatches
from services.http.views import CommandOutcome
from services.problems import ProblemDetails, field_errors, problem_of

log = logging.getLogger("carepath.broker")


class CommandReply(CommandOutcome):
    status: int = Field(description="201: recorded; 200: a retry, answered from the first.")
    idempotency_key: str


class GroupCommandReply(GroupOutcomeView):
    status: int = Field(description="201: recorded; 200: a retry, answered from the first.")
    idempotency_key: str


Result = CommandResult | GroupResult


class CommandRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Bearer
    idempotency_key: Token | None = None
    expected_version: int | None = Field(default=None, ge=0)


def request_model(route: CommandRoute) -> type[CommandRequest]:
    """The request of one command: the shared fields, the pathway's or group's id (none for
    a command that opens or forms one), the command's body."""
    fields: dict[str, Any] = {"command": (route.command, ...)}
    if not route.creates:
        fields[route.id_field] = (UUID, ...)
    name = f"{route.command.__name__}Request"
    return create_model(name, __base__=CommandRequest, **fields)


def refusal(slug: str, title: str, pairs: list[tuple[str, str]],
            status: int = 422) -> ProblemDetails:
    detail = "; ".join(f"{name}: {reason}" for name, reason in pairs[:3])
    return ProblemDetails(status, slug, title, detail, {"errors": field_errors(pairs)})


def checked(model: type[CommandRequest], body: bytes) -> CommandRequest | ProblemDetails:
    """The validated request, or the problem HTTP would answer for the same body."""
    try:
        raw = parse(body)
    except BadRequestField as error:
        return refusal(error.slug, "The request is not valid", [(error.field, error.reason)],
                       error.status)
    try:
        request = model.model_validate(raw)
    except ValidationError as error:
        pairs = [(field_path(("body", *item["loc"])), item["msg"]) for item in error.errors()]
        return refusal("invalid-request", "The request is not valid", pairs)
    command = getattr(request, "command")  # noqa: B009 - a field of the generated model
    found = mismatches(raw.get("command"), command, ("body", "command"))
    if found:
        return refusal("invalid-request", "The request is not valid",
                       [(field_path(loc), reason) for loc, reason in found])
    return request


class CommandHandler:
    """Answers one command's requests (see the module)."""

    def __init__(self, pathways: Pathways | None, route: CommandRoute, subject: str,
                 gate: Gate | None = None, groups: Groups | None = None) -> None:
        self.pathways = pathways
        self.groups = groups
        self.gate = gate
        self.route = route
        self.subject = subject
        self.model = request_model(route)

    async def answer(self, body: bytes, correlation_id: str | None) -> dict[str, Any]:
        """The reply to one request: the outcome, or a problem document (never an exception)."""
        request = checked(self.model, body)
        if isinstance(request, ProblemDetails):
            return request.body(self.subject)
        try:
            result, key = await asyncio.to_thread(self.execute, request, correlation_id)
        except Exception as error:  # every failure is answered, as on HTTP
            details = problem_of(error)
            if details is None:
                log.exception("broker command %s failed (correlation id %s)", self.route.name,
                              correlation_id)
                details = ProblemDetails(500, "internal-error", "Internal error",
                                         "The service failed on this request; it was logged"
                                         f" with correlation id {correlation_id}.")
            return details.body(self.subject)
        status = 200 if result.replayed else 201
        if isinstance(result, GroupResult):
            group = GroupOutcomeView.of(result)
            return GroupCommandReply(**group.model_dump(), status=status,
                                     idempotency_key=key).model_dump(mode="json")
        outcome = CommandOutcome.of(result)
        return CommandReply(**outcome.model_dump(), status=status,
                            idempotency_key=key).model_dump(mode="json")

    def execute(self, request: CommandRequest, correlation_id: str | None) -> tuple[Result, str]:
        """get -> decide -> save, in the application layer HTTP uses."""
        if self.pathways is None or self.gate is None:
            msg = "a documentation-only handler executes nothing"
            raise RuntimeError(msg)
        caller = caller_of(self.gate, request.token, request.idempotency_key, correlation_id)
        command = getattr(request, "command")  # noqa: B009 - a field of the generated model
        if self.route.aggregate == "group":
            return self._execute_group(request, command, caller), caller.idempotency_key
        if self.route is OPEN:
            return self.pathways.open_pathway(command, caller), caller.idempotency_key
        pathway_id: UUID = getattr(request, "pathway_id")  # noqa: B009
        result = self.pathways.execute(pathway_id, command, caller, request.expected_version)
        return result, caller.idempotency_key

    def _execute_group(self, request: CommandRequest, command: Any, caller: Caller
                       ) -> GroupResult:
        if self.groups is None:
            msg = "a group command needs the groups' application"
            raise RuntimeError(msg)
        if self.route.creates:
            return self.groups.form(command, caller)
        group_id: UUID = getattr(request, "group_id")  # noqa: B009
        return self.groups.execute(group_id, command, caller, request.expected_version)
