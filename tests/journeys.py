"""A small language for driving pathways in tests: a clock, a context, and whole journeys.

Tests read as specifications when the setup steps have clinical names: ``j.through_initial()``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from uuid import uuid4

from domain import commands as c
from domain.context import CommandContext
from domain.pathway import Pathway
from domain.values import Contingencies, Relationship, Signature, Signer

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_keys = count(1)

CONTINGENCIES = Contingencies(missed_sessions="policy/missed-v1", holidays="policy/holidays-v1",
                              illness="policy/illness-v1", between_session_contact="policy/c-v1",
                              crisis_plan="plan/crisis-1")
INVENTORY = (
    Relationship(alias="partner", relation="partner", closeness=4, quality="conflictual",
                 recent_change="dispute", candidate_areas=("role_dispute",)),
    Relationship(alias="mother", relation="parent", closeness=3, quality="supportive",
                 deceased=True, recent_change="death", candidate_areas=("grief",)),
)
PHQ9_MODERATE = (2, 2, 2, 2, 1, 1, 1, 1, 0)  # 12, item 9 = 0
PHQ9_REMISSION = (1, 0, 1, 0, 0, 1, 0, 0, 0)  # 3
PHQ9_PARTIAL = (1, 1, 1, 1, 1, 1, 1, 1, 0)  # 8


def ctx(role: str = "therapist", now: datetime = NOW) -> CommandContext:
    return CommandContext(actor_id="t-1", actor_role=role, correlation_id="corr-1",
                          idempotency_key=f"key-{next(_keys)}", recorded_at=now)


class Journey:
    """One pathway and a clinical clock that moves a week per session by default."""

    def __init__(self, protocol: str = "ipt", age: int = 34, sessions: int = 12) -> None:
        self.at = START
        self.protocol = protocol
        self.contract_sessions = sessions
        self.pathway = Pathway.open(uuid4(), c.OpenPathway(
            occurred_at=self.at, client_ref="client-001", client_age=age, therapist_id="t-1",
            protocol=protocol, referral_date=date(2026, 1, 2)), ctx())

    @property
    def state(self) -> Any:
        return self.pathway.state

    def do(self, command_class: type[c.Command], **fields: Any) -> Journey:
        fields.setdefault("occurred_at", self.at)
        self.pathway.handle(command_class(**fields), ctx())
        return self

    def later(self, days: float = 7) -> Journey:
        self.at += timedelta(days=days)
        return self

    def session(self, **fields: Any) -> Journey:
        self.later(fields.pop("days", 7))
        number = fields.pop("number", self.state.sessions_held + 1)
        if self.state.phase == "maintenance":
            number = len(self.state.maintenance_sessions) + 1
        fields.setdefault("minutes", 50)
        if self.state.contract and self.state.phase_of_session(number) != "initial":
            fields.setdefault("focus_addressed", self.state.contract.foci[0])
        if self.protocol == "ipt-a":
            fields.setdefault("parent_present", number == 1 or number >= self._ending_start())
        return self.do(c.HoldSession, number=number, **fields)

    def _ending_start(self) -> int:
        contract = self.state.contract
        return self.state.protocol.ending_starts_at(contract.sessions) if contract else 10**6

    def measure(self, items: tuple[int, ...] = PHQ9_MODERATE, instrument: str = "phq9"
                ) -> Journey:
        return self.do(c.RecordMeasure, instrument=instrument, items=items)

    def consented(self, kinds: tuple[str, ...] = ("treatment", "telehealth")) -> Journey:
        """IPT-32: the consents a video session needs (the guardian's first, for ipt-a)."""
        if self.state.protocol.guardian_required:
            self.do(c.RecordConsent, kinds=kinds, given_by="guardian")
        return self.do(c.RecordConsent, kinds=kinds)

    def assessed_initial(self, focus: str = "role_dispute") -> Journey:
        """Everything IPT-07 asks for except the contract."""
        self.consented()
        self.measure()
        self.session()
        self.do(c.RecordDiagnosis, icd10="F32.1", severity="moderate")
        self.do(c.AssignSickRole)
        self.do(c.AssessMedicationNeed, outcome="not_indicated")
        self.do(c.RecordInventory, relationships=INVENTORY)
        self.session()
        area = "ipaf" if self.protocol == "dit" else focus
        self.do(c.ShareFormulation, problem_area=area, formulation_ref="doc/formulation-1")
        self.do(c.ChooseFocus, primary=area, rationale_ref="doc/rationale-1", patient_agreed=True,
                pattern_summary="expects rejection, withdraws" if area == "ipaf" else None)
        return self

    def sign(self, **overrides: Any) -> Journey:
        signers: list[Signer] = ["client", "therapist"]
        if self.protocol == "ipt-a":
            signers.append("guardian")
        fields: dict[str, Any] = {
            "sessions": self.contract_sessions, "frequency": "weekly", "session_minutes": 50,
            "start_date": self.at.date(), "course_window_weeks": self.contract_sessions + 8,
            "foci": self.state.focus.areas if self.state.focus else (),
            "contingencies": CONTINGENCIES,
            "measurement_plan": ("phq9",),
            "signatures": tuple(Signature(signer=s, signed_by=f"{s}-1") for s in signers),
        }
        fields.update(overrides)
        return self.do(c.SignContract, **fields)

    def through_initial(self) -> Journey:
        self.assessed_initial().sign()
        return self.measure()

    def middle_sessions_until(self, number: int, items: tuple[int, ...] = PHQ9_PARTIAL
                              ) -> Journey:
        """Hold sessions up to ``number``, measuring every third and discussing the ending."""
        ending = self._ending_start()
        while self.state.sessions_held < number:
            next_number = self.state.sessions_held + 1
            if next_number == ending:
                self.do(c.DiscussTermination, at_session=next_number)
            if self.protocol == "dit" and next_number == self.state.contract.sessions:
                self.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
            self.session(reason="continuing" if next_number > 8 else None)
            if next_number % 3 == 0:
                self.measure(items)
        return self

    def complete(self, final: tuple[int, ...] = PHQ9_REMISSION, next_step: str = "maintenance"
                 ) -> Journey:
        self.middle_sessions_until(self.state.contract.sessions)
        self.measure(final)
        return self.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
                       next_step=next_step)
