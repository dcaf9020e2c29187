"""The one door of every edge: who is calling (a verified bearer token), and may they.

The HTTP edge and the broker call :meth:`Gate.authenticate` with the request's token and
:meth:`Gate.authorize` with the action (``services.access.policy``); a command's caller is made
by :meth:`Gate.caller`, and the application layer decides the command against the same policy
table with the pathway's therapist, whatever edge it came through.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from services.access.caseloads import Caseloads
from services.access.policy import CASELOAD, Action, Scope, authorize, scope_of
from services.access.principal import Principal
from services.access.tokens import TokenVerifier
from services.application import Caller


class Gate:
    def __init__(self, verifier: TokenVerifier, caseloads: Caseloads) -> None:
        self.verifier = verifier
        self.caseloads = caseloads

    def authenticate(self, token: str | None) -> Principal:
        """The token's principal, or :class:`~services.access.tokens.TokenRefused` (401)."""
        return self.verifier.verify(token)

    def authorize(self, principal: Principal, action: Action,
                  pathway_id: UUID | None = None) -> Scope:
        """The scope ``principal`` may take ``action`` with, on ``pathway_id`` if given, or
        :class:`~services.access.policy.Forbidden` (403); an unknown pathway is not found."""
        scope = scope_of(principal, action)
        if scope is CASELOAD and pathway_id is not None:
            authorize(principal, action, self.caseloads.therapist_of(pathway_id))
        return scope

    def caller(self, token: str | None, *, correlation_id: str,
               idempotency_key: str | None = None) -> Caller:
        """A command's caller from its bearer token (the broker's entry): the actor and role
        recorded with its events come from the token; the application decides the command
        against the policy table. :class:`TokenRefused` or :class:`Forbidden` (a role that
        may issue no command) before anything is read."""
        principal = self.authenticate(token)
        scope_of(principal, Action.COMMAND)
        return caller_of(principal, correlation_id=correlation_id,
                         idempotency_key=idempotency_key)


def caller_of(principal: Principal, *, correlation_id: str,
              idempotency_key: str | None = None) -> Caller:
    """The caller a verified principal makes; without a key, one is generated."""
    return Caller(actor_id=principal.subject, actor_role=principal.role,
                  correlation_id=correlation_id,
                  idempotency_key=idempotency_key or str(uuid4()), principal=principal)
