"""What the guard granted a request: who calls, the route's action, and how far it reaches."""

from __future__ import annotations

from dataclasses import dataclass

from services.access.policy import Action, Scope
from services.access.principal import Principal


@dataclass(frozen=True)
class Granted:
    principal: Principal | None
    """None on a public route."""
    action: Action
    scope: Scope
