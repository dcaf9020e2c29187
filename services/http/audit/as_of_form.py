"""The audit page's "state on a date" form: an axis, a day (or time), and for the clinical
axis the day by which it was known; answered from the audit trail like the as-of endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.audit.errors import InvalidInstant, NothingRecordedYet, NotOpenYet
from services.audit.groups import GroupTrail
from services.audit.instants import instant
from services.audit.trail import AsOf, AuditTrail

AXES = frozenset({"clinical", "recorded"})


@dataclass(frozen=True)
class AsOfAnswer:
    as_of: AsOf | None = None
    error: str | None = None
    refused: bool = False
    """The time given is not one (the page answers 400)."""


@dataclass(frozen=True)
class AsOfAsked:
    axis: str = "clinical"
    at: str = ""
    known: str = ""

    @classmethod
    def of(cls, axis: str | None, at: str | None, known: str | None) -> AsOfAsked:
        chosen = axis if axis in AXES else "clinical"
        return cls(chosen, (at or "").strip()[:40], (known or "").strip()[:40])

    def answer(self, trail: AuditTrail | GroupTrail, pathway_id: UUID) -> AsOfAnswer:
        """The state asked for, or why there is none; nothing asked, nothing answered."""
        if not self.at:
            return AsOfAnswer()
        try:
            at = instant(self.at, "On")
            if self.axis == "recorded":
                return AsOfAnswer(trail.as_recorded_at(pathway_id, at))
            known = instant(self.known, "Known by") if self.known else None
            return AsOfAnswer(trail.as_understood_at(pathway_id, at, known))
        except InvalidInstant as error:
            return AsOfAnswer(error=f"{error.field}: {error.reason}.", refused=True)
        except (NothingRecordedYet, NotOpenYet) as error:
            return AsOfAnswer(error=f"No state to show: {error}.")
