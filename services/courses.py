"""By-the-book courses of care, written as the commands a clinic sends: pure, no I/O, no clock.

A ``CourseWriter`` keeps a clinical clock and just enough of the course (session numbers, the
contract's foci, whether the ending was discussed, flags, maintenance) to write valid commands
in a clinician's order; the aggregate still decides every rule when they run. It is the one
course builder of the tests (the aggregate and HTTP drivers), the demo caseload and the
benchmark. Each stretch of care is a method (consent, intake, formulation, contract, visits,
the ending, completion, maintenance, closure); the variations are their parameters: protocol,
contracted sessions, channel, measures, missed sessions, a safety flag, outcome and next step.

It lives beside the application, not in ``domain/``: it is a script of commands, not a rule or
a word of the domain; and not in ``tests/``, because the demo ships with the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Self

from domain.pathway import commands as c
from domain.pathway.state import PathwayState
from domain.protocols import Protocol, acute_protocol
from domain.values import Channel, Contingencies, Relationship, Signature, Signer

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
PHQ9_PARTIAL = (1, 1, 1, 1, 1, 1, 1, 1, 0)  # 8
PHQ9_REMISSION = (1, 0, 1, 0, 0, 1, 0, 0, 0)  # 3
NOTICE_HOURS = {"no_show": 0.0, "late_cancellation": 6.0, "cancelled_by_therapist": 72.0}
MAINTENANCE_MINUTES = 50


@dataclass
class CourseWriter:
    """The commands of one pathway so far (``commands``) and the little needed to go on."""

    protocol: Protocol
    contract_sessions: int
    at: datetime
    """The clinical clock: every command occurs at it (or a few minutes after)."""
    channel: Channel = "video"
    """How sessions are held (a video or phone session needs telehealth consent, IPT-32)."""
    session_minutes: int = 50
    commands: list[c.Command] = field(default_factory=list)
    held: int = 0
    contracted: bool = False
    foci: tuple[str, ...] = ()
    flags: int = 0
    discussed: bool = False
    maintenance_held: int | None = None

    @classmethod
    def following(cls, state: PathwayState, at: datetime, *, sessions: int) -> Self:
        """A writer that goes on from ``state`` (``sessions``: the N to sign if not signed;
        the foci: the contract's, or the chosen ones before it)."""
        contract = state.contract
        return cls(protocol=state.protocol, at=at,
                   contract_sessions=contract.sessions if contract else sessions,
                   held=state.sessions_held, contracted=contract is not None,
                   foci=tuple(contract.foci if contract else state.focus.areas if state.focus
                              else ()), flags=len(state.flags),
                   discussed=state.termination_discussed_at is not None,
                   maintenance_held=len(state.maintenance_sessions)
                   if state.maintenance is not None else None)

    # ----- the clock and raw commands -----------------------------------------------------

    def do(self, command: type[c.Command], **fields: Any) -> Self:
        fields.setdefault("occurred_at", self.at)
        self.commands.append(command(**fields))
        return self

    def later(self, days: float = 7, minutes: int = 0) -> Self:
        self.at += timedelta(days=days, minutes=minutes)
        return self

    def _after(self, minutes: int) -> datetime:
        return self.at + timedelta(minutes=minutes)

    @property
    def last_at(self) -> datetime:
        return max(command.occurred_at for command in self.commands)

    # ----- referral, consent and measures -------------------------------------------------

    def opened(self, *, client_ref: str, client_age: int, therapist_id: str,
               referral_date: date) -> Self:
        return self.do(c.OpenPathway, client_ref=client_ref, client_age=client_age,
                       therapist_id=therapist_id, protocol=self.protocol.id,
                       format="individual", channel=self.channel, referral_date=referral_date)

    def consented(self, kinds: tuple[c.ConsentKind, ...] | None = None, *,
                  guardian_also: tuple[c.ConsentKind, ...] = ()) -> Self:
        """IPT-32: treatment consent, telehealth too unless in person; the guardian's first
        for a protocol that needs it (with ``guardian_also`` added to the guardian's)."""
        usual: tuple[c.ConsentKind, ...] = (
            ("treatment",) if self.channel == "in_person" else ("treatment", "telehealth"))
        given = usual if kinds is None else kinds
        if self.protocol.guardian_required:
            self.do(c.RecordConsent, kinds=(*given, *guardian_also), given_by="guardian")
        return self.do(c.RecordConsent, kinds=given)

    def measure(self, items: tuple[int, ...] = PHQ9_MODERATE, instrument: str = "phq9", *,
                minutes: int = 0) -> Self:
        """A scored measure; PHQ-9 item 9 >= 1 makes the aggregate raise a flag (IPT-17)."""
        self.do(c.RecordMeasure, instrument=instrument, items=items,
                occurred_at=self._after(minutes))
        if instrument == "phq9" and items[8:9] >= (1,):
            self.flags += 1
        return self

    def raise_flag(self, tier: str, source: str = "client_report") -> int:
        self.do(c.RaiseSafetyFlag, tier=tier, source=source)
        self.flags += 1
        return self.flags

    def acknowledged(self, flag: int, *, risk: str | None = None, minutes: int = 0) -> Self:
        """The safety workflow (domain.md 5): acknowledge the flag, and assess the risk."""
        at = self._after(minutes)
        self.do(c.AcknowledgeSafetyFlag, flag_id=flag, occurred_at=at)
        if risk:
            self.do(c.RecordRiskAssessment, flag_id=flag, risk_level=risk,
                    safety_plan_ref=f"plan/safety-{flag}", occurred_at=at)
        return self

    # ----- the initial phase ----------------------------------------------------------------

    def intake(self, *, icd10: str = "F32.1", severity: str = "moderate",
               medication: str = "not_indicated", minutes: int | None = None) -> Self:
        """Session 1: assessment, diagnosis, the sick role and the medication question."""
        if minutes:
            self.session(minutes=minutes)
        else:
            self.session()
        self.do(c.RecordDiagnosis, icd10=icd10, severity=severity)
        self.do(c.AssignSickRole)
        return self.do(c.AssessMedicationNeed, outcome=medication)

    def formulated(self, focus: str, *, relationships: tuple[Relationship, ...] = INVENTORY,
                   secondary: str | None = None, pattern_summary: str | None = None,
                   formulation_ref: str = "doc/formulation-1",
                   rationale_ref: str = "doc/rationale-1", initial_sessions: int = 2,
                   long_initial_reason: str | None = None) -> Self:
        """Session 2 onwards: the inventory, then the formulation and the focus agreed."""
        self.visit()
        self.do(c.RecordInventory, relationships=relationships)
        while self.held < initial_sessions:
            over_cap = self.held >= self.protocol.initial_cap
            self.visit(reason=long_initial_reason if over_cap else None)
        self.do(c.ShareFormulation, problem_area=focus, formulation_ref=formulation_ref)
        self.do(c.ChooseFocus, primary=focus, secondary=secondary, rationale_ref=rationale_ref,
                patient_agreed=True, pattern_summary=pattern_summary)
        self.foci = (focus,) if secondary is None else (focus, secondary)
        return self

    def signed(self, signed_by: Mapping[str, str], *, start_date: date | None = None,
               window_weeks: int | None = None, minutes: int = 0,
               contingencies: Contingencies = CONTINGENCIES,
               measurement_plan: tuple[str, ...] = ("phq9",), **terms: Any) -> Self:
        """The contract on the chosen foci, signed by the client, the therapist (and the
        guardian where the protocol needs one): ``signed_by`` names who signed for each."""
        signers: list[Signer] = ["client", "therapist"]
        if self.protocol.guardian_required:
            signers.append("guardian")
        fields: dict[str, Any] = {
            "sessions": self.contract_sessions, "frequency": "weekly",
            "session_minutes": self.session_minutes, "start_date": start_date or self.at.date(),
            "course_window_weeks": window_weeks or self.contract_sessions + 8, "foci": self.foci,
            "contingencies": contingencies, "measurement_plan": measurement_plan,
            "signatures": tuple(Signature(signer=s, signed_by=signed_by[s]) for s in signers),
            "occurred_at": self._after(minutes)}
        contract = c.SignContract(**{**fields, **terms})
        self.commands.append(contract)
        self.contracted = True
        self.contract_sessions, self.foci = contract.sessions, tuple(contract.foci)
        return self

    # ----- sessions -----------------------------------------------------------------------

    @property
    def ending_start(self) -> int:
        return self.protocol.ending_starts_at(self.contract_sessions)

    def phase_of(self, number: int) -> str:
        if not self.contracted:
            return "initial"
        return "termination" if number >= self.ending_start else "middle"

    def session_fields(self, number: int, phase: str) -> dict[str, Any]:
        """A by-the-book session's fields: the contracted focus outside the initial phase, and
        for ipt-a a parent at session 1 and in the ending."""
        fields: dict[str, Any] = {"channel": self.channel, "minutes": self.session_minutes}
        if phase != "initial":
            fields["focus_addressed"] = self.foci[0]
        if self.protocol.parent_at_first_and_ending:
            fields["parent_present"] = number == 1 or (
                self.contracted and number >= self.ending_start)
        return fields

    def reason_for(self, number: int) -> str | None:
        """The reason a writer gives for session ``number`` unasked (none by the book)."""
        return None

    def session(self, reason: str | None = None, **fields: Any) -> Self:
        """The next acute or maintenance session at the current time."""
        if self.maintenance_held is not None:
            self.maintenance_held += 1
            return self.do(c.HoldSession, **{"number": self.maintenance_held,
                                             "minutes": MAINTENANCE_MINUTES,
                                             "channel": self.channel, **fields})
        number = fields.pop("number", self.held + 1)
        fields = {**self.session_fields(number, self.phase_of(number)), **fields}
        reason = reason or self.reason_for(number)
        if reason:
            fields["reason"] = reason
        self.do(c.HoldSession, number=number, **fields)
        self.held = number
        return self

    def discuss_if_due(self) -> Self:
        """IPT-23: the ending is raised before the first session of the ending window."""
        if self.contracted and self.held + 1 == self.ending_start and not self.discussed:
            self.do(c.DiscussTermination, at_session=self.held + 1)
            self.discussed = True
        return self

    def letter_if_due(self, letter_ref: str = "doc/goodbye-1", *, minutes: int = 0) -> Self:
        """IPT-31, dit: the goodbye letter is shared before the final session."""
        if (self.protocol.goodbye_letter_before_final and self.contracted
                and self.held == self.contract_sessions - 1):
            self.do(c.ShareGoodbyeLetter, letter_ref=letter_ref,
                    occurred_at=self._after(minutes))
        return self

    def visit(self, days: float = 7, *, reason: str | None = None, **fields: Any) -> Self:
        """A weekly visit: the ending raised when due, the session, the letter when due."""
        self.later(days)
        self.discuss_if_due()
        self.session(reason, **fields)
        return self.letter_if_due()

    def held_until(self, number: int) -> Self:
        """Weekly visits until session ``number`` is held."""
        while self.held < number:
            self.visit()
        return self

    def missed(self, kind: str = "no_show", reason: str | None = None, days: float = 7) -> Self:
        self.later(days)
        extra = {"reason": reason} if reason else {}
        return self.do(c.RecordMissedSession, kind=kind, notice_hours=NOTICE_HOURS[kind],
                       **extra)

    # ----- the end of the course ----------------------------------------------------------

    def completed(self, next_step: str, *, plan_ref: str = "doc/relapse-1",
                  minutes: int = 0) -> Self:
        """IPT-24: the completion with its relapse-prevention plan and next step."""
        return self.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref=plan_ref,
                       next_step=next_step, occurred_at=self._after(minutes))

    def maintenance_scheduled(self, sessions: int, *, start_date: date | None = None,
                              minutes: int = 0, **terms: Any) -> Self:
        """IPT-26/27: an ipt-m contract (monthly unless ``terms`` say otherwise)."""
        self.do(c.ScheduleMaintenance, sessions=sessions,
                start_date=start_date or self.at.date(), occurred_at=self._after(minutes),
                **terms)
        self.maintenance_held = 0
        return self

    def closed(self, reason: str, *, days: float = 7) -> Self:
        self.later(days)
        return self.do(c.ClosePathway, reason=reason)


def course(protocol_id: str, at: datetime, *, sessions: int | None = None,
           channel: Channel = "video", session_minutes: int = 50) -> CourseWriter:
    """A writer for a new pathway under ``protocol_id`` (its default N unless ``sessions``)."""
    protocol = acute_protocol(protocol_id)
    return CourseWriter(protocol=protocol, contract_sessions=sessions or protocol.sessions_default,
                        at=at, channel=channel, session_minutes=session_minutes)
