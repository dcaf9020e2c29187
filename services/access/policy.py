"""The one policy table: each action, the roles allowed it and how far (their scope).

Every endpoint names one action (the HTTP edge's route table maps each route to one, and a
route without one is refused to everyone); commands are decided against the same table in the
application layer, whatever edge (HTTP or broker) they came through. ``ALL`` reaches every
pathway; ``CASELOAD`` only pathways whose therapist is in the principal's caseload
(:attr:`Principal.caseload`), and lists and read models are filtered to it. An action absent
for a role is refused (403). ``LOGGED`` actions are recorded in the access log, each read with
the reader's stated purpose (required from the roles in ``PURPOSE_REQUIRED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from services.access.principal import (
    ADMIN,
    AUDITOR,
    OPS,
    PLATFORM,
    ROLES,
    SUPERVISOR,
    THERAPIST,
    Principal,
    Role,
)


class Action(StrEnum):
    PUBLIC = "public"
    """Health, the API documents (OpenAPI, AsyncAPI, the events' schemas), the login page,
    static assets, the log's public key."""
    PROTOCOLS = "protocols"
    """The protocol table: reference data, no clinical record."""
    COMMAND = "command"
    """Open a pathway, or change one (every command route, and commands over the broker)."""
    LIST_PATHWAYS = "list-pathways"
    LIST_GROUPS = "list-groups"
    """The groups read model's list: a group is in the caseload of each of its leaders."""
    READ_STATE = "read-state"
    """A pathway's current state."""
    READ_AS_OF = "read-as-of"
    """A pathway's state as of a version or a time."""
    READ_HISTORY = "read-history"
    """A pathway's events (the history, the audit history and its step-through)."""
    AUDIT_PAGE = "audit-page"
    EXPORT = "export"
    """A pathway's export (JSON lines or FHIR)."""
    EXPORT_PERIOD = "export-period"
    """Every pathway with an event in a period."""
    VERIFY = "verify"
    """Tamper evidence: verify, checkpoints, consistency proofs."""
    EVIDENCE = "evidence"
    """A pathway's stored events with their proofs."""
    ACCESS_LOG = "access-log"
    """Who read which history, as-of or export: the access log and its reports."""
    DASHBOARD = "dashboard"
    """The clinic dashboard, its panels' numbers and its live updates."""
    OPS_STATUS = "ops-status"
    """The read models' and the relay's positions and lag (no clinical content)."""
    METRICS = "metrics"
    EVENT_FEED = "event-feed"
    """The integration event feed (HTTP catch-up and stream) and the broker."""


class Scope(StrEnum):
    ALL = "all"
    CASELOAD = "caseload"


ALL, CASELOAD = Scope.ALL, Scope.CASELOAD
_CLINICAL: Final[Mapping[Role, Scope]] = {THERAPIST: CASELOAD, SUPERVISOR: CASELOAD,
                                          ADMIN: ALL}
_RECORD: Final[Mapping[Role, Scope]] = {**_CLINICAL, AUDITOR: ALL}
_AUDIT: Final[Mapping[Role, Scope]] = {AUDITOR: ALL, ADMIN: ALL}

POLICY: Final[Mapping[Action, Mapping[Role, Scope]]] = {
    Action.PUBLIC: dict.fromkeys(ROLES, ALL),
    Action.PROTOCOLS: dict.fromkeys(ROLES, ALL),
    Action.COMMAND: _CLINICAL,
    Action.LIST_PATHWAYS: _RECORD,
    Action.LIST_GROUPS: _RECORD,
    Action.READ_STATE: _RECORD,
    Action.READ_AS_OF: _RECORD,
    Action.READ_HISTORY: _RECORD,
    Action.AUDIT_PAGE: _AUDIT,
    Action.EXPORT: _AUDIT,
    Action.EXPORT_PERIOD: _AUDIT,
    Action.VERIFY: _AUDIT,
    Action.EVIDENCE: _AUDIT,
    Action.ACCESS_LOG: _AUDIT,
    Action.DASHBOARD: {THERAPIST: CASELOAD, SUPERVISOR: CASELOAD, OPS: ALL, ADMIN: ALL},
    Action.OPS_STATUS: {OPS: ALL, PLATFORM: ALL, ADMIN: ALL},
    Action.METRICS: {OPS: ALL, ADMIN: ALL},
    Action.EVENT_FEED: {PLATFORM: ALL, ADMIN: ALL},
}
"""Action -> role -> scope. A role missing from an action's row is refused it."""

LOGGED: Final[frozenset[Action]] = frozenset({
    Action.READ_AS_OF, Action.READ_HISTORY, Action.EXPORT, Action.EXPORT_PERIOD,
    Action.EVIDENCE})
"""Reads of a record's history, an as-of or an export: each goes in the access log."""
PURPOSE_REQUIRED: Final[frozenset[Role]] = frozenset({AUDITOR, ADMIN})
"""Roles that must state a purpose for a logged read; a therapist's or a supervisor's read of
their own caseload is for treatment unless they say otherwise."""
DEFAULT_PURPOSE: Final = "treatment"
ANONYMOUS: Final[frozenset[Action]] = frozenset({Action.PUBLIC})
"""Actions served without a token."""


class Forbidden(Exception):
    """The principal may not do this (403): wrong role, or a pathway outside their caseload."""

    def __init__(self, principal: Principal, action: Action, reason: str, *,
                 outside_caseload: bool = False) -> None:
        super().__init__(reason)
        self.principal = principal
        self.action = action
        self.reason = reason
        self.outside_caseload = outside_caseload


def scope_of(principal: Principal, action: Action) -> Scope:
    """How far ``principal`` may take ``action``, or :class:`Forbidden`."""
    scope = POLICY[action].get(principal.role)
    if scope is None:
        allowed = ", ".join(POLICY[action]) or "no role"
        raise Forbidden(principal, action, f"the {principal.role} role may not {_verb(action)}"
                        f" (allowed: {allowed})")
    return scope


def authorize(principal: Principal, action: Action, therapist: str | None = None) -> Scope:
    """Decide ``action`` for ``principal``; ``therapist`` is the pathway's, when it concerns
    one. Returns the scope granted (a caller listing with ``CASELOAD`` must filter to
    :attr:`Principal.caseload`), or raises :class:`Forbidden`."""
    scope = scope_of(principal, action)
    if scope is CASELOAD and therapist is not None and therapist not in principal.caseload:
        raise Forbidden(principal, action, f"the pathway is not in the caseload of"
                        f" {principal.subject} ({principal.role})", outside_caseload=True)
    return scope


def _verb(action: Action) -> str:
    return {Action.COMMAND: "issue commands"}.get(action, f"use {action.value}")
