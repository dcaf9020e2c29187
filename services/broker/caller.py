"""Who sends a command over the broker: the request's bearer token, the one place that decides.

A request carries the same signed JWT an HTTP request sends in ``Authorization``, in its
``token`` member; the gate (``services.access``) verifies it and makes the caller: the actor
and role recorded with the events come from the token. The application layer then decides the
command against the policy table, as for HTTP. The correlation id is the message's own
(FastStream's ``correlation_id`` header), generated when absent or not a printable id.
"""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

from pydantic import Field

from services.access.gate import Gate
from services.access.tokens import MAX_TOKEN_BYTES
from services.application import Caller
from services.http.headers import MAX_TOKEN, is_token

Token = Annotated[str, Field(min_length=1, max_length=MAX_TOKEN, pattern=r"^[!-~]([ -~]*[!-~])?$")]
Bearer = Annotated[str, Field(min_length=1, max_length=MAX_TOKEN_BYTES, description=(
    "The caller's bearer token: the signed JWT an HTTP request sends as `Authorization:"
    " Bearer <token>`; who acts and their role come from it."))]


def caller_of(gate: Gate, token: str, idempotency_key: str | None,
              correlation_id: str | None) -> Caller:
    """The caller the token names (or the gate's refusal: 401, or 403 for a role that may
    issue no command); the pathway's caseload is decided by the application."""
    correlation = correlation_id if correlation_id and is_token(correlation_id) else str(uuid4())
    return gate.caller(token, correlation_id=correlation, idempotency_key=idempotency_key)
