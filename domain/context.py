"""Who issued a command, when the server received it, and how to recognise a retry.

The domain never reads a clock: the application layer stamps ``recorded_at`` and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["CLOCK_SKEW", "CommandContext"]

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a clinical time may lie before it counts as "in the future" (IPT-30)."""


@dataclass(frozen=True)
class CommandContext:
    """Everything about a command that is not its clinical content."""

    actor_id: str
    actor_role: str
    """The role authentication gave the caller (``services/access/principal.py``), or the
    demo's ``system``; text, because the roles belong to access and may change, history stays."""
    correlation_id: str
    idempotency_key: str
    recorded_at: datetime
    request_digest: str = ""
    clock_skew: timedelta = CLOCK_SKEW
    """How far ahead of ``recorded_at`` a clinical time may be (operators set it)."""

    @property
    def latest_clinical_time(self) -> datetime:
        return self.recorded_at + self.clock_skew
