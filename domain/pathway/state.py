"""The pathway's state as its events left it, and what follows from it (phase, counts, flags).

Nothing here is set by a caller: events evolve it, and everything else is derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.formats import FormatRules, format_rules
from domain.protocols import Protocol, acute_protocol
from domain.values import Frequency, Relationship
from domain.vocabulary import (
    CLOSED,
    COMPLETED,
    INITIAL,
    MAINTENANCE,
    MEETING_KINDS,
    MIDDLE,
    SAFETY,
    TERMINATION,
    URGENT,
    CloseReason,
    Consenter,
    ConsentKind,
    Instrument,
    NextStep,
    Outcome,
    Phase,
    ProblemArea,
    Tier,
)

OUTREACH_AFTER_CONSECUTIVE_MISSES = 2
OUTREACH_AFTER_TOTAL_MISSES = 3
"""IPT-21: two consecutive or three total client misses (one, with a safety flag open)."""


@dataclass
class Flag:
    id: int
    tier: Tier
    raised_at: datetime
    acknowledged: bool = False
    assessed: bool = False
    resolved: bool = False


@dataclass(frozen=True)
class MeasureEntry:
    instrument: Instrument
    total: int
    item9: int | None
    occurred_at: datetime
    acute_sessions_held: int
    version: int


@dataclass(frozen=True)
class SessionEntry:
    number: int
    occurred_at: datetime
    phase: Phase
    focus_addressed: ProblemArea | None
    parent_present: bool


@dataclass(frozen=True)
class Focus:
    primary: ProblemArea
    secondary: ProblemArea | None
    patient_agreed: bool

    @property
    def areas(self) -> tuple[ProblemArea, ...]:
        return (self.primary,) if self.secondary is None else (self.primary, self.secondary)


@dataclass(frozen=True)
class Contract:
    sessions: int
    frequency: Frequency
    session_minutes: int
    start_date: date
    course_window_weeks: int
    foci: tuple[ProblemArea, ...]


@dataclass(frozen=True)
class MaintenanceContract:
    frequency: Frequency
    sessions: int
    start_date: date


def consent_key(given_by: Consenter, kind: ConsentKind) -> str:
    """How ``PathwayState.consents`` files a consent: ``"guardian:treatment"``."""
    return f"{given_by}:{kind}"


def command_key(actor_id: str, idempotency_key: str) -> str:
    """Idempotency keys are the caller's: two actors may pick the same key independently."""
    return f"{actor_id}\x1f{idempotency_key}"


@dataclass(slots=True)
class CommandRecord:
    """Where the events of one idempotency key sit in the history."""

    digest: str
    first_version: int
    last_version: int


def remember_command(commands: dict[str, CommandRecord], actor_id: str, idempotency_key: str,
                     digest: str, version: int) -> None:
    """File the event at ``version`` under its command's key: the first event of a key opens
    its record, each later one moves the record's last version."""
    key = command_key(actor_id, idempotency_key)
    record = commands.get(key)
    if record is None:
        commands[key] = CommandRecord(digest, version, version)
    else:
        record.last_version = version


@dataclass
class PathwayState:
    protocol_id: str
    protocol_version: int
    client_ref: str
    client_age: int
    therapist_id: str
    format: str
    channel: str
    referral_date: date
    opened_at: datetime
    partner_ref: str | None = None
    """The couple format's second client."""
    consents: dict[str, bool] = field(default_factory=dict)
    """By ``consent_key``: True while on record, False once withdrawn."""
    diagnosis: str | None = None
    measures: list[MeasureEntry] = field(default_factory=list)
    flags: dict[int, Flag] = field(default_factory=dict)
    sick_role: bool = False
    medication_need: str | None = None
    inventory: tuple[Relationship, ...] | None = None
    formulation_area: ProblemArea | None = None
    focus: Focus | None = None
    contract: Contract | None = None
    contract_signed_at: datetime | None = None
    sessions: list[SessionEntry] = field(default_factory=list)
    maintenance_sessions: list[SessionEntry] = field(default_factory=list)
    meetings: list[tuple[str, SessionEntry]] = field(default_factory=list)
    """ipt-g: the member's individual meetings (kind, entry), numbered on their own."""
    group_id: UUID | None = None
    """ipt-g: the group whose sessions the member has held or missed."""
    last_group_session: int = 0
    """ipt-g: the number of the latest group session the member held or missed."""
    misses_since_session: int = 0
    client_misses: int = 0
    consecutive_misses: int = 0
    outreach_due: bool = False
    termination_discussed_at: int | None = None
    goodbye_letter_shared: bool = False
    outcome: Outcome | None = None
    next_step: NextStep | None = None
    maintenance: MaintenanceContract | None = None
    recurrence_suspected: bool = False
    closed_reason: CloseReason | None = None
    deviations: list[tuple[str, int]] = field(default_factory=list)
    renegotiations: list[tuple[int, datetime]] = field(default_factory=list)
    """(sessions held, clinical time) of each renegotiation."""
    commands: dict[str, CommandRecord] = field(default_factory=dict)
    proposed_protocol: Protocol | None = None
    """A what-if, never set by an event: decide under this proposed protocol version instead
    of the one the pathway was opened with (the compliance replay; such a pathway is never
    saved)."""

    # ----- derived -------------------------------------------------------------------------

    @property
    def protocol(self) -> Protocol:
        if self.proposed_protocol is not None:
            return self.proposed_protocol
        return acute_protocol(self.protocol_id, self.protocol_version)

    @property
    def phase(self) -> Phase:
        if self.closed_reason is not None:
            return CLOSED
        if self.maintenance is not None:
            return MAINTENANCE
        if self.outcome is not None:
            return COMPLETED
        if self.contract is None:
            return INITIAL
        ending = self.protocol.ending_starts_at(self.contract.sessions)
        last = self.sessions[-1] if self.sessions else None
        in_ending = last is not None and last.phase == TERMINATION
        return TERMINATION if in_ending and self.acute_sessions_seen >= ending else MIDDLE

    def phase_of_session(self, number: int) -> Phase:
        """The phase an acute session with this number belongs to, from the contract."""
        if self.contract is None:
            return INITIAL
        ending = self.protocol.ending_starts_at(self.contract.sessions)
        return TERMINATION if number >= ending else MIDDLE

    @property
    def signed_contract(self) -> Contract:
        """The contract, for code that runs only once one is signed."""
        if self.contract is None:
            msg = "no contract is signed"
            raise LookupError(msg)
        return self.contract

    @property
    def sessions_held(self) -> int:
        return len(self.sessions)

    @property
    def acute_sessions_seen(self) -> int:
        """The number of the latest acute session: held (numbered 1..n without gaps), or for an
        ipt-g member the latest group session held or missed (the group's sessions go on
        without the member)."""
        return max(self.sessions_held, self.last_group_session)

    @property
    def sessions_left(self) -> int | None:
        if self.maintenance is not None:
            return self.maintenance.sessions - len(self.maintenance_sessions)
        if self.contract is None:
            return None
        return max(self.contract.sessions - self.acute_sessions_seen, 0)

    @property
    def format_rules(self) -> FormatRules:
        return format_rules(self.format)

    def is_meeting(self, kind: str) -> bool:
        """Whether a session of ``kind`` is an individual meeting beside a group's sessions (a
        safety session too, on a group protocol: the member's acute sessions are the group's)."""
        return kind in MEETING_KINDS or (kind == SAFETY and self.protocol.is_group)

    def meetings_of(self, kind: str) -> list[SessionEntry]:
        return [entry for held, entry in self.meetings if held == kind]

    @property
    def initial_sessions_held(self) -> int:
        return sum(1 for session in self.sessions if session.phase == INITIAL)

    @property
    def open_flags(self) -> list[Flag]:
        return [flag for flag in self.flags.values() if not flag.resolved]

    @property
    def has_open_urgent_flag(self) -> bool:
        return any(flag.tier == URGENT for flag in self.open_flags)

    @property
    def baseline(self) -> MeasureEntry | None:
        """The first measure recorded is the baseline (domain.md section 3)."""
        return self.measures[0] if self.measures else None

    def latest_measure(self, instrument: Instrument | None = None) -> MeasureEntry | None:
        for entry in reversed(self.measures):
            if instrument is None or entry.instrument == instrument:
                return entry
        return None

    def baseline_of(self, instrument: Instrument) -> MeasureEntry | None:
        return next((m for m in self.measures if m.instrument == instrument), None)

    @property
    def last_session(self) -> SessionEntry | None:
        """The latest session held: maintenance, acute, or an ipt-g member's meeting."""
        latest = [held[-1] for held in (self.maintenance_sessions, self.sessions) if held]
        if self.meetings:
            latest.append(self.meetings[-1][1])
        return max(latest, key=lambda entry: entry.occurred_at, default=None)

    def has_deviation(self, rule: str) -> bool:
        return any(recorded == rule for recorded, _ in self.deviations)
