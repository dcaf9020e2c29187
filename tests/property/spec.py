"""The spec, restated from domain.md (sections 1, 2, 4 and 5) by the property test alone.

Nothing here reads ``domain/``: the model checks the aggregate against these numbers, so a
number changed on one side only shows up as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

PHASES = ("initial", "middle", "termination", "completed", "maintenance", "closed")
IPT_AREAS = frozenset({"grief", "role_dispute", "role_transition", "interpersonal_deficits"})
ALL_AREAS = (*sorted(IPT_AREAS), "ipaf")
NON_RESIDUAL = frozenset({"grief", "role_dispute", "role_transition"})
CHANGE_SHOWS = {"death": "grief", "dispute": "role_dispute", "role_change": "role_transition"}
SOFT_RULES = frozenset({"IPT-05", "IPT-06", "IPT-10", "IPT-11", "IPT-14", "IPT-16", "IPT-21"})
CLOCK_SKEW = timedelta(minutes=5)
MAX_GAP = timedelta(days=14)
MEASURE_EVERY_SESSIONS = 4
MEASURE_EVERY = timedelta(days=28)
PHQ9_SEVERE = 20
PHQ9_RECURRENCE = 10
NON_RESPONDER_STEPS = frozenset({"alternative_treatment", "medication_referral", "new_contract"})
MAINTENANCE_FREQUENCIES = {"weekly": 4.0, "twice_monthly": 2.0, "monthly": 1.0}
CLOSE_REASONS = ("discharged", "dropped_out", "referred_on", "withdrawn", "maintenance_ended",
                 "entered_in_error")

# (item maxima, remission when total <= this) per instrument
HAMD17_ITEM_MAX = (4, 4, 4, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 4, 2, 2)
INSTRUMENTS: dict[str, tuple[tuple[int, ...], int]] = {
    "phq9": ((3,) * 9, 4),
    "gad7": ((3,) * 7, 4),
    "hamd17": (HAMD17_ITEM_MAX, 7),
}


@dataclass(frozen=True)
class Spec:
    """One row of the protocol table (domain.md section 2)."""

    id: str
    sessions_range: tuple[int, int]
    initial_cap: int
    ending_sessions: int
    areas: frozenset[str]
    contract_choices: tuple[int, ...]
    age: int

    def ending_start(self, n: int) -> int:
        return n - self.ending_sessions + 1


SPECS = {
    "ipt": Spec("ipt", (8, 20), 3, 3, IPT_AREAS, (8, 8, 9, 10, 12), 34),
    "ipt-a": Spec("ipt-a", (12, 16), 4, 4, IPT_AREAS, (12,), 15),
    "dit": Spec("dit", (16, 16), 4, 4, frozenset({"ipaf"}), (16,), 41),
}


def spec_outcome(instrument: str, baseline: int, final: int) -> str:
    """Section 5: remission (takes precedence), response >= 50%, partial 25-49%, none."""
    if final <= INSTRUMENTS[instrument][1]:
        return "remission"
    drop = (baseline - final) / baseline if baseline > 0 else 0.0
    if drop >= 0.5:
        return "response"
    if drop >= 0.25:
        return "partial"
    return "none"

