"""Who sends a command over the broker: the one place that decides it.

Until authentication lands (issue 8) the actor is taken from the request message, as the HTTP
edge takes it from ``X-Actor-Id`` / ``X-Actor-Role``; a token check replaces this module's
:func:`caller_of` and nothing else. The correlation id is the message's own (FastStream's
``correlation_id`` header), generated when absent or not a printable id.
"""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.vocabulary import ROLES
from services.application import Caller
from services.http.headers import MAX_TOKEN, is_role, is_token, new_caller

Token = Annotated[str, Field(min_length=1, max_length=MAX_TOKEN, pattern=r"^[!-~]([ -~]*[!-~])?$")]


def _known_role(role: str) -> str:
    if not is_role(role):
        msg = f"must be one of {', '.join(ROLES)}"
        raise ValueError(msg)
    return role


class Actor(BaseModel):
    """Who acts: their user id and role (what ``X-Actor-Id`` and ``X-Actor-Role`` say on HTTP)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    id: Token
    role: Annotated[str, Field(json_schema_extra={"enum": list(ROLES)}),
                    AfterValidator(_known_role)]


def caller_of(actor: Actor, idempotency_key: str | None, correlation_id: str | None) -> Caller:
    """The caller of a checked request (the role is checked by the request's validation)."""
    correlation = correlation_id if correlation_id and is_token(correlation_id) else str(uuid4())
    return new_caller(actor.id, actor.role, idempotency_key, correlation)
