"""The authenticated caller: a subject, one role, and for a supervisor the therapists supervised.

Roles are those of the access policy, not the clinical vocabulary: ``therapist`` (own
caseload), ``supervisor`` (the caseloads of the therapists named in the token's
``therapists`` claim, and their own), ``ops`` (read models and the dashboard: codes and
counts), ``auditor`` (histories, as-of, verify, exports; no commands), ``platform`` (the event
feed and the broker), ``admin`` (everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Role = Literal["therapist", "supervisor", "ops", "auditor", "platform", "admin"]
THERAPIST: Final = "therapist"
SUPERVISOR: Final = "supervisor"
OPS: Final = "ops"
AUDITOR: Final = "auditor"
PLATFORM: Final = "platform"
ADMIN: Final = "admin"
ROLES: Final[tuple[Role, ...]] = (THERAPIST, SUPERVISOR, OPS, AUDITOR, PLATFORM, ADMIN)


@dataclass(frozen=True)
class Principal:
    """Who a verified token names; ``expires_at`` is its ``exp`` (seconds since the epoch)."""

    subject: str
    role: Role
    therapists: frozenset[str] = frozenset()
    """The therapists a supervisor supervises (the token's ``therapists`` claim)."""
    expires_at: float = float("inf")
    token_id: str | None = None
    """The token's ``jti``, when it has one (recorded in the access log)."""

    @property
    def caseload(self) -> frozenset[str]:
        """The therapists whose pathways this principal's caseload covers: a therapist's
        own, a supervisor's supervisees' and their own (for other roles: none)."""
        if self.role == THERAPIST:
            return frozenset({self.subject})
        if self.role == SUPERVISOR:
            return self.therapists | {self.subject}
        return frozenset()
