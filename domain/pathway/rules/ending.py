"""Renegotiation (IPT-02-04, 08-09), the ending (IPT-23, 31), completion (IPT-15, 24-26),
maintenance (IPT-03, 26-27) and closing (IPT-25)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidCommand, RuleViolation
from domain.measures import outcome
from domain.pathway.commands import (
    ClosePathway,
    CompleteAcuteCourse,
    DiscussTermination,
    RenegotiateContract,
    ScheduleMaintenance,
)
from domain.pathway.rules import checks
from domain.pathway.rules.initial import check_areas, check_session_count
from domain.pathway.rules.sessions import check_variant_ending
from domain.pathway.state import Contract, PathwayState
from domain.protocols import SESSIONS_PER_MONTH, maintenance_protocol
from domain.vocabulary import (
    ACUTE_COURSE,
    AFTER_COMPLETION,
    COMPLETED,
    DISCHARGED,
    MAINTENANCE,
    MAINTENANCE_ENDED,
    NON_RESPONDER_STEPS,
    NON_RESPONSE,
    REMISSION,
    Instrument,
    Outcome,
)


@checks("IPT-02")
def renegotiated_terms(state: PathwayState, command: RenegotiateContract) -> tuple[Contract,
                                                                                   list[str]]:
    """The contract after renegotiation, and which terms changed."""
    contract = state.contract
    if contract is None or state.phase not in ACUTE_COURSE:
        raise RuleViolation("IPT-02", "Only a signed contract of an acute course in progress can"
                            " be renegotiated.")
    if not command.reason or not command.patient_agreed:
        raise RuleViolation("IPT-02", "A contract changes only with a reason and the patient's"
                            " agreement.")
    protocol = state.protocol
    sessions = command.sessions if command.sessions is not None else contract.sessions
    frequency = command.frequency or contract.frequency
    foci = command.foci or contract.foci
    window = command.course_window_weeks or contract.course_window_weeks
    if sessions != contract.sessions:
        if protocol.is_group:
            raise InvalidCommand("sessions", f"an {protocol.id} member's sessions are the"
                                 " group's planned sessions: they do not change alone")
        # Shortening to the sessions already held is allowed: it lets the course complete.
        check_session_count(protocol, sessions, state.sessions_held - 1)
        check_ending_discussed(state, protocol.ending_starts_at(sessions))
    check_areas(protocol, foci)
    if frequency not in protocol.frequencies:
        raise InvalidCommand("frequency", f"{frequency} is not an acute-course frequency")
    changed = [name for name, old, new in (
        ("sessions", contract.sessions, sessions), ("frequency", contract.frequency, frequency),
        ("foci", contract.foci, foci), ("course_window_weeks", contract.course_window_weeks,
                                         window)) if old != new]
    if not changed:
        raise InvalidCommand("body", "nothing to renegotiate: no term differs from the contract")
    new = Contract(sessions, frequency, contract.session_minutes, contract.start_date, window,
                   foci)
    return new, changed


@checks("IPT-23")
def check_ending_discussed(state: PathwayState, ending_start: int) -> None:
    """IPT-23 for a window that has already begun (a shortened contract, or completion); for
    an ipt-g member the group decides it, before its final session."""
    if ending_start > state.acute_sessions_seen or state.protocol.is_group:
        return
    discussed = state.termination_discussed_at
    if discussed is None or discussed > ending_start:
        raise RuleViolation("IPT-23", f"The ending window starts at session {ending_start},"
                            " already held, and the ending was not discussed by then: the"
                            " course cannot end there.")


@checks("IPT-23")
def check_termination_discussion(state: PathwayState, command: DiscussTermination) -> None:
    """IPT-23: the ending is recorded when it is discussed, never dated back."""
    if state.contract is None or state.phase not in ACUTE_COURSE:
        raise InvalidCommand("at_session", "the ending is discussed under a signed contract,"
                             " during the acute course")
    latest = state.acute_sessions_seen
    if command.at_session > latest + 1:
        raise InvalidCommand("at_session", f"session {command.at_session} is not held yet"
                             f" ({latest} held)")
    if command.at_session < latest:
        raise RuleViolation("IPT-23", f"The ending is recorded as discussed at the latest"
                            f" session ({latest}) or the next; a discussion"
                            f" cannot be dated back to session {command.at_session}.")


@checks("IPT-31")
def check_goodbye_letter(state: PathwayState) -> None:
    """IPT-31 (dit): the goodbye letter belongs to a protocol that has one, in its course."""
    if not state.protocol.goodbye_letter_before_final:
        raise InvalidCommand("letter_ref", f"{state.protocol.id} has no goodbye letter")
    if state.phase not in ACUTE_COURSE:
        raise InvalidCommand("letter_ref", "the goodbye letter belongs to the acute course")


@dataclass(frozen=True)
class Completion:
    instrument: Instrument
    baseline_total: int
    final_total: int
    outcome: Outcome


@checks("IPT-15", "IPT-24", "IPT-25", "IPT-26")
def check_completion(state: PathwayState, command: CompleteAcuteCourse) -> Completion:
    contract = state.contract
    if contract is None or state.phase not in ACUTE_COURSE:
        raise RuleViolation("IPT-24", "Only an acute course in progress under a contract can"
                            " complete.")
    if state.acute_sessions_seen < contract.sessions or not state.sessions:
        raise RuleViolation("IPT-24", f"The acute course completes after its final session:"
                            f" {state.acute_sessions_seen} of {contract.sessions} are held"
                            " (renegotiate a shorter contract, or close the pathway).")
    baseline = state.baseline  # IPT-07 required one before the middle phase
    final = state.latest_measure(baseline.instrument) if baseline else None
    last_session = state.sessions[-1]
    if (baseline is None or final is None or final is baseline
            or final.occurred_at < last_session.occurred_at):
        raise RuleViolation("IPT-15", "A scored measure is due at the final acute"
                            " session: record it before completing the course.")
    check_ending_discussed(state, state.protocol.ending_starts_at(contract.sessions))
    check_variant_ending(state, None, state.protocol.ending_starts_at(contract.sessions))
    if not command.relapse_prevention_plan_ref or not command.next_step:
        raise RuleViolation("IPT-24", "The acute course completes only with a final measure, an"
                            " outcome, a relapse-prevention plan and a next step.")
    result = outcome(baseline.instrument, baseline.total, final.total)
    if result in NON_RESPONSE and command.next_step not in NON_RESPONDER_STEPS:
        raise RuleViolation("IPT-25", f"The outcome is {result}: a non-responder is never"
                            " silently discharged; the next step is alternative treatment,"
                            " medication referral or a new contract.")
    if command.next_step == MAINTENANCE and result != REMISSION:
        raise RuleViolation("IPT-26", f"Maintenance follows remission only; the outcome is"
                            f" {result}.")
    return Completion(baseline.instrument, baseline.total, final.total, result)


@checks("IPT-03", "IPT-26", "IPT-27")
def check_maintenance(state: PathwayState, command: ScheduleMaintenance) -> None:
    if state.outcome is None or state.phase != COMPLETED:
        raise RuleViolation("IPT-26", "Maintenance is scheduled only after the acute course has"
                            " completed.")
    if state.outcome != REMISSION:
        raise RuleViolation("IPT-26", f"Maintenance follows remission only; the acute course"
                            f" ended in {state.outcome}.")
    protocol = maintenance_protocol()
    if command.frequency not in protocol.frequencies:
        raise RuleViolation("IPT-27", f"Maintenance is {protocol.default_frequency} by default;"
                            f" allowed: {', '.join(sorted(protocol.frequencies))}"
                            f" (not {command.frequency}).")
    months = command.sessions / SESSIONS_PER_MONTH[command.frequency]
    low, high = protocol.months_range
    if not low <= months <= high:
        raise RuleViolation("IPT-03", f"{command.sessions} {command.frequency} sessions span"
                            f" {months:g} months; a maintenance contract lasts {low}-{high}"
                            " months.")


@checks("IPT-25")
def check_close(state: PathwayState, command: ClosePathway) -> None:
    """IPT-25: a client is discharged only after the acute course completed with a next step."""
    phase = state.phase
    if command.reason == DISCHARGED and phase not in AFTER_COMPLETION:
        raise RuleViolation("IPT-25", "A client is discharged only after the acute course"
                            " completes with an outcome and a next step (a non-responder"
                            " is never silently discharged); otherwise close as dropped"
                            " out, referred on or withdrawn.")
    if command.reason == MAINTENANCE_ENDED and phase != MAINTENANCE:
        raise InvalidCommand("reason", "maintenance_ended closes a pathway in maintenance")
