"""An independent model of one pathway's history, written from domain.md (not from
``domain/``): each event is checked against the rules it must satisfy given the history before
it, then folded in. The initial phase, safety and the contract are folded here; sessions in
``tests.property.sessions``, the ending and after in ``tests.property.ending``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.pathway import events as e
from domain.values import Relationship
from tests.property import ending, sessions
from tests.property.records import FlagModel, Measure, Session, check
from tests.property.spec import (
    CHANGE_SHOWS,
    CLOCK_SKEW,
    INSTRUMENTS,
    NON_RESIDUAL,
    PHQ9_SEVERE,
    Spec,
)


@dataclass
class Model:
    """The pathway as the spec describes it, folded from events by this test alone."""

    spec: Spec
    consents: dict[str, bool] = field(default_factory=dict)
    diagnosis: bool = False
    sick_role: bool = False
    medication: bool = False
    inventory: tuple[Relationship, ...] | None = None
    focus_after_inventory: bool = False
    formulation: bool = False
    focus: tuple[tuple[str, ...], bool] | None = None
    contract: dict[str, Any] | None = None
    measures: list[Measure] = field(default_factory=list)
    flags: dict[int, FlagModel] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    maintenance_sessions: list[Session] = field(default_factory=list)
    client_misses: int = 0
    consecutive_misses: int = 0
    outreach_due: bool = False
    termination_discussed_at: int | None = None
    goodbye_letter: bool = False
    outcome: str | None = None
    maintenance_sessions_contracted: int | None = None
    closed: bool = False
    deviations: list[str] = field(default_factory=list)

    @property
    def phase(self) -> str:
        if self.closed:
            return "closed"
        if self.maintenance_sessions_contracted is not None:
            return "maintenance"
        if self.outcome is not None:
            return "completed"
        if self.contract is None:
            return "initial"
        # Termination once a session of the ending window is held (the last session says so).
        start = self.spec.ending_start(self.contract["sessions"])
        last = self.sessions[-1] if self.sessions else None
        in_ending = last is not None and last.phase == "termination"
        return "termination" if in_ending and len(self.sessions) >= start else "middle"

    def open_flags(self) -> list[FlagModel]:
        return [flag for flag in self.flags.values() if not flag.resolved]

    def session_phase(self, number: int) -> str:
        if self.contract is None:
            return "initial"
        start = self.spec.ending_start(self.contract["sessions"])
        return "termination" if number >= start else "middle"

    def inventory_shows(self) -> set[str]:
        """The areas the inventory points to: candidates, deaths and recent changes."""
        shown: set[str] = {area for p in self.inventory or () for area in p.candidate_areas}
        shown |= {CHANGE_SHOWS[p.recent_change] for p in self.inventory or ()
                  if p.recent_change in CHANGE_SHOWS}
        if any(person.deceased for person in self.inventory or ()):
            shown.add("grief")
        return shown

    def focus_deviations(self, areas: tuple[str, ...]) -> set[str]:
        """IPT-10 and IPT-11: what the inventory in force says about these foci."""
        expected = set()
        if "grief" in areas and not any(p.deceased for p in self.inventory or ()):
            expected.add("IPT-10")
        if "interpersonal_deficits" in areas and self.inventory_shows() & NON_RESIDUAL:
            expected.add("IPT-11")
        return expected

    # --- the fold --------------------------------------------------------------------------

    def apply(self, ev: e.PathwayEvent, deviated: frozenset[str]) -> None:
        """Check ``ev`` against the history so far, then record it.

        ``deviated`` holds the rule ids of the DeviationRecorded events of the same command.
        """
        check(ev.occurred_at <= ev.timestamp + CLOCK_SKEW,
              f"IPT-30: {type(ev).__name__} occurred in the future")
        if not isinstance(ev, e.PathwayOpened):
            check(not self.closed, f"IPT-29: {type(ev).__name__} recorded on a closed pathway")
        handler = getattr(self, f"_on_{type(ev).__name__}", None)
        if handler is not None:
            handler(ev, deviated)
        elif type(ev) in FOLDED_ELSEWHERE:
            FOLDED_ELSEWHERE[type(ev)](self, ev, deviated)

    def _on_ConsentRecorded(self, ev: e.ConsentRecorded, _: frozenset[str]) -> None:  # noqa: N802
        check(ev.given_by == "client" or self.spec.id == "ipt-a",
              f"IPT-32: a guardian's consent recorded on an {self.spec.id} pathway")
        for kind in ev.kinds:
            self.consents[f"{ev.given_by}:{kind}"] = True

    def _on_ConsentWithdrawn(self, ev: e.ConsentWithdrawn, _: frozenset[str]) -> None:  # noqa: N802
        check(ev.given_by == "client" or self.spec.id == "ipt-a",
              f"IPT-32: a guardian's withdrawal recorded on an {self.spec.id} pathway")
        for kind in ev.kinds:
            self.consents[f"{ev.given_by}:{kind}"] = False

    def _on_DiagnosisRecorded(self, ev: e.DiagnosisRecorded, _: frozenset[str]) -> None:  # noqa: N802
        self.diagnosis = True

    def _on_SickRoleAssigned(self, ev: e.SickRoleAssigned, _: frozenset[str]) -> None:  # noqa: N802
        self.sick_role = True

    def _on_MedicationNeedAssessed(self, ev: e.MedicationNeedAssessed,  # noqa: N802
                                   _: frozenset[str]) -> None:
        self.medication = True

    def _on_FormulationShared(self, ev: e.FormulationShared, _: frozenset[str]) -> None:  # noqa: N802
        check(ev.problem_area in self.spec.areas, f"IPT-09: formulation area {ev.problem_area}")
        self.formulation = True

    def _on_MeasureRecorded(self, ev: e.MeasureRecorded, _: frozenset[str]) -> None:  # noqa: N802
        item_max, _cut = INSTRUMENTS[ev.instrument]
        check(len(ev.items) == len(item_max), f"{ev.instrument} item count {len(ev.items)}")
        check(all(0 <= v <= m for v, m in zip(ev.items, item_max, strict=True)),
              f"{ev.instrument} items out of range: {ev.items}")
        check(ev.total == sum(ev.items), "the total is computed from the items")
        check(ev.baseline == (not self.measures), "the first measure is the baseline")
        self.measures.append(Measure(ev.instrument, ev.total,
                                     ev.items[8] if ev.instrument == "phq9" else None,
                                     ev.occurred_at, len(self.sessions)))

    def _on_SafetyFlagRaised(self, ev: e.SafetyFlagRaised, _: frozenset[str]) -> None:  # noqa: N802
        check(ev.flag_id == len(self.flags) + 1, f"flag ids are consecutive ({ev.flag_id})")
        check(ev.tier in ("urgent", "routine"), f"flag tier {ev.tier}")
        self.flags[ev.flag_id] = FlagModel(ev.tier)

    def _open_flag(self, flag_id: int, what: str) -> FlagModel:
        flag = self.flags.get(flag_id)
        check(flag is not None and not flag.resolved, f"{what} for flag {flag_id}, not open")
        assert flag is not None
        return flag

    def _on_SafetyFlagAcknowledged(self, ev: e.SafetyFlagAcknowledged,  # noqa: N802
                                   _: frozenset[str]) -> None:
        flag = self._open_flag(ev.flag_id, "acknowledgement")
        check(not flag.acknowledged, f"flag {ev.flag_id} acknowledged twice")
        flag.acknowledged = True

    def _on_RiskAssessmentRecorded(self, ev: e.RiskAssessmentRecorded,  # noqa: N802
                                   _: frozenset[str]) -> None:
        self._open_flag(ev.flag_id, "risk assessment").assessed = True

    def _on_SafetyFlagResolved(self, ev: e.SafetyFlagResolved, _: frozenset[str]) -> None:  # noqa: N802
        flag = self._open_flag(ev.flag_id, "resolution")
        check(flag.assessed, f"IPT-18: flag {ev.flag_id} resolved without a risk assessment")
        flag.resolved = True

    def _on_InventoryRecorded(self, ev: e.InventoryRecorded, _: frozenset[str]) -> None:  # noqa: N802
        check(self.contract is None, "IPT-13: inventory recorded again after the contract")
        self.inventory = ev.relationships
        self.focus_after_inventory = False

    def _check_areas(self, areas: tuple[str, ...], what: str) -> None:
        check(1 <= len(areas) <= 2 and len(set(areas)) == len(areas),
              f"IPT-08: {what} foci {areas}")
        check(set(areas) <= self.spec.areas, f"IPT-09: {what} foci {areas} not of {self.spec.id}")

    def _on_FocusChosen(self, ev: e.FocusChosen, deviated: frozenset[str]) -> None:  # noqa: N802
        check(self.contract is None, "IPT-02: focus chosen again after the contract")
        check(self.inventory is not None, "IPT-13: focus chosen before the inventory")
        areas = (ev.primary,) if ev.secondary is None else (ev.primary, ev.secondary)
        self._check_areas(areas, "chosen")
        if self.spec.id == "dit":
            check(ev.pattern_summary, "dit: the IPAF needs a pattern summary")
        expected = self.focus_deviations(areas)
        check(deviated == expected, f"focus {areas}: deviations {sorted(deviated)}, spec says"
              f" {sorted(expected)}")
        self.focus = (areas, ev.patient_agreed)
        self.focus_after_inventory = True

    def _on_ContractSigned(self, ev: e.ContractSigned, _: frozenset[str]) -> None:  # noqa: N802
        spec = self.spec
        check(self.contract is None, "IPT-02: a second ContractSigned")
        check(self.focus is not None, "IPT-13: contract without a focus")
        check(self.focus_after_inventory, "IPT-13: contract signed on a focus chosen"
                  " before the latest InventoryRecorded")
        assert self.focus is not None
        check(tuple(ev.foci) == self.focus[0],
              f"IPT-13: contract foci {ev.foci} != chosen foci {self.focus[0]} (primary first)")
        self._check_areas(ev.foci, "contract")
        low, high = spec.sessions_range
        check(low <= ev.sessions <= high, f"IPT-03: contract of {ev.sessions} sessions")
        check(ev.sessions > len(self.sessions), "IPT-04: contract shorter than sessions held")
        signers = {s.signer for s in ev.signatures}
        check({"client", "therapist"} <= signers, "contract signatures")
        baseline_phq9 = next((m for m in self.measures if m.instrument == "phq9"), None)
        if baseline_phq9 and baseline_phq9.total >= PHQ9_SEVERE:
            check(self.medication, "IPT-12: severe baseline, contract before medication need")
        if spec.id == "ipt-a":
            check(not any(f.tier == "urgent" for f in self.open_flags()),
                  "IPT-19: ipt-a enrolment with an urgent flag open")
            check(self.consents.get("guardian:treatment") and "guardian" in signers,
                  "IPT-31: ipt-a contract without guardian consent and signature")
        self.contract = {"sessions": ev.sessions, "foci": ev.foci, "start": ev.start_date,
                         "weeks": ev.course_window_weeks, "frequency": ev.frequency}

    def _on_ContractRenegotiated(self, ev: e.ContractRenegotiated,  # noqa: N802
                                 deviated: frozenset[str]) -> None:
        check(self.contract is not None and self.phase in ("middle", "termination"),
              "IPT-02: renegotiation outside an acute course under contract")
        assert self.contract is not None
        check(ev.reason and ev.reason.strip() and ev.patient_agreed,
              "IPT-02: renegotiation without reason or agreement")
        low, high = self.spec.sessions_range
        check(low <= ev.sessions <= high, f"IPT-03: renegotiated to {ev.sessions} sessions")
        check(ev.sessions >= len(self.sessions), "IPT-04: renegotiated below the sessions held")
        self._check_areas(ev.foci, "renegotiated")
        new = {"sessions": ev.sessions, "foci": ev.foci, "weeks": ev.course_window_weeks,
               "frequency": ev.frequency}
        changed = {k for k, v in new.items() if self.contract[k] != v}
        check(changed, "ContractRenegotiated that changes nothing")
        expected = self.focus_deviations(ev.foci) if "foci" in changed else set()
        check(deviated == expected, f"renegotiated foci {ev.foci}: deviations"
              f" {sorted(deviated)}, spec says {sorted(expected)}")
        self.contract |= new

    def _on_DeviationRecorded(self, ev: e.DeviationRecorded, _: frozenset[str]) -> None:  # noqa: N802
        self.deviations.append(ev.rule)


FOLDED_ELSEWHERE: dict[type[e.PathwayEvent], Callable[[Model, Any, frozenset[str]], None]] = {
    e.SessionHeld: sessions.session_held,
    e.SessionMissed: ending.session_missed,
    e.TerminationDiscussed: ending.termination_discussed,
    e.GoodbyeLetterShared: ending.goodbye_letter_shared,
    e.AcuteCourseCompleted: ending.acute_course_completed,
    e.MaintenanceScheduled: ending.maintenance_scheduled,
    e.PathwayClosed: ending.pathway_closed,
}
"""The folds of the course's sessions and of its ending, in modules of their own."""
