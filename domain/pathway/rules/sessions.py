"""Rules for holding and missing sessions (IPT-01, 04-07, 14-16, 20-23, 30, 31)."""

from __future__ import annotations

from datetime import timedelta

from domain.context import CommandContext
from domain.errors import InvalidCommand, RuleViolation
from domain.measures import improvement
from domain.pathway.commands import HoldSession
from domain.pathway.rules import Deviation, checks
from domain.pathway.rules.initial import prerequisites_missing
from domain.pathway.state import PathwayState
from domain.vocabulary import (
    COMPLETED,
    INITIAL,
    MIDDLE,
    NOT_CLIENT_MISSES,
    POST_GROUP,
    MissKind,
    Phase,
)


@checks("IPT-04")
def check_sessions_contracted(state: PathwayState) -> None:
    """IPT-04: once the acute course is complete, only a maintenance contract adds sessions."""
    if state.phase == COMPLETED:
        raise RuleViolation("IPT-04", "The acute course is complete: further sessions need a"
                            " maintenance contract.")


@checks("IPT-04")
def check_maintenance_count(state: PathwayState, command: HoldSession) -> None:
    """IPT-04 for maintenance: sessions never exceed the maintenance contract."""
    contracted = state.maintenance.sessions if state.maintenance else 0
    if command.number > contracted:
        raise RuleViolation("IPT-04", f"The maintenance contract has {contracted} sessions.")


def check_missed_scheduled(state: PathwayState) -> None:
    if state.phase == COMPLETED:
        raise InvalidCommand("kind", "no session is scheduled: the acute course is complete")


@checks("IPT-20", "IPT-30")
def check_numbering(state: PathwayState, command: HoldSession, ctx: CommandContext,
                    *, maintenance: bool = False) -> None:
    """IPT-30: consecutive, chronological, not in the future; IPT-20 for misses counted."""
    held = state.maintenance_sessions if maintenance else state.sessions
    label = "maintenance session" if maintenance else "session"
    expected = len(held) + 1
    if command.number != expected:
        misses = state.misses_since_session
        if misses and expected < command.number <= expected + misses:
            raise RuleViolation("IPT-20", f"A missed session does not use up a contracted"
                                f" session: the next {label} is number {expected}.")
        raise RuleViolation("IPT-30", f"Sessions are numbered consecutively: the next {label}"
                            f" is number {expected}, not {command.number}.")
    previous = state.last_session
    if previous and command.occurred_at < previous.occurred_at:
        raise RuleViolation("IPT-30", f"Sessions are recorded in chronological order: {label}"
                            f" {expected} cannot be held before the previous session"
                            f" ({previous.occurred_at.isoformat()}).")
    if command.occurred_at > ctx.latest_clinical_time:
        raise RuleViolation("IPT-30", "A session cannot be recorded as held in the future.")


@checks("IPT-01", "IPT-04", "IPT-07", "IPT-22", "IPT-23")
def check_acute_session(state: PathwayState, command: HoldSession, phase: Phase, *,
                        ending_by_group: bool = False) -> None:
    """The hard rules for one acute session, in the order a clinician would meet them.

    ``ending_by_group``: a group session, whose ending (IPT-23) the group decides."""
    protocol, contract, number = state.protocol, state.contract, command.number
    if contract is None and command.focus_addressed is not None:
        raise RuleViolation("IPT-01", "No middle-phase session before a signed contract: this"
                            " session works on a focus, but no contract is signed.")
    if contract is not None and number > contract.sessions:
        raise RuleViolation("IPT-04", f"The contract has {contract.sessions} sessions: session"
                            f" {number} would exceed it (renegotiate the contract first).")
    if phase != INITIAL and not any(s.phase != INITIAL for s in state.sessions):
        missing = prerequisites_missing(state)
        if missing:
            raise RuleViolation("IPT-07", "Leaving the initial phase needs "
                                + ", ".join(missing) + ".")
    if phase != INITIAL:
        check_measurement(state, command)
    if contract is not None:
        window_end = contract.start_date + timedelta(weeks=contract.course_window_weeks)
        if command.occurred_at.date() > window_end:
            raise RuleViolation("IPT-22", f"The course window ended on {window_end.isoformat()}"
                                " with sessions left: renegotiate the contract or close the"
                                " pathway as dropped out.")
        final = number == contract.sessions
        ending_start = protocol.ending_starts_at(contract.sessions)
        discussed = state.termination_discussed_at
        if final and not ending_by_group and (discussed is None or discussed > ending_start):
            raise RuleViolation("IPT-23", f"The ending must be discussed by session"
                                f" {ending_start}: the final session cannot be recorded (a late"
                                " discussion needs a renegotiated, longer contract).")
        if final:
            check_variant_ending(state, command, ending_start)
    check_variant_session(state, command)


@checks("IPT-15")
def check_measurement(state: PathwayState, command: HoldSession) -> None:
    """IPT-15: a measure at the end of the initial phase and at least every 4 sessions/28 days."""
    protocol = state.protocol
    latest = state.latest_measure()
    if latest is None:
        raise RuleViolation("IPT-15", "No scored measure is recorded: record a baseline first.")
    initial = [s for s in state.sessions if s.phase == INITIAL]
    first_middle = not any(s.phase != INITIAL for s in state.sessions)
    if first_middle and initial and latest.occurred_at < initial[-1].occurred_at:
        raise RuleViolation("IPT-15", "A scored measure is due at the end of the initial phase:"
                            " record one before the first middle-phase session.")
    since = state.sessions_held - latest.acute_sessions_held
    if since >= protocol.measure_every_sessions:
        raise RuleViolation("IPT-15", f"{since} sessions were held since the last measure: record"
                            f" a scored measure (due every {protocol.measure_every_sessions}"
                            " sessions).")
    if command.occurred_at - latest.occurred_at > timedelta(days=protocol.measure_every_days):
        raise RuleViolation("IPT-15", f"The last measure is more than"
                            f" {protocol.measure_every_days} days old: record a scored measure.")


@checks("IPT-31")
def check_variant_session(state: PathwayState, command: HoldSession) -> None:
    protocol = state.protocol
    if protocol.parent_at_first_and_ending and command.number == 1 and not command.parent_present:
        raise RuleViolation("IPT-31", f"{protocol.id}: a parent or guardian attends session 1.")
    agreed_by = protocol.focus_agreed_by_session
    if agreed_by and command.number > agreed_by and not (state.focus and
                                                         state.focus.patient_agreed):
        raise RuleViolation("IPT-31", f"{protocol.id}: the interpersonal-affective focus must be"
                            f" agreed by session {agreed_by}.")


@checks("IPT-31")
def check_variant_ending(state: PathwayState, command: HoldSession | None,
                         ending_start: int) -> None:
    """IPT-31 at the end of the course (the final session, or completion when ``command`` is
    None): ipt-a's parent in the ending, dit's goodbye letter, ipt-g's post-group meeting."""
    protocol = state.protocol
    if command is None and POST_GROUP in protocol.individual_meetings and not (
            state.meetings_of(POST_GROUP)):
        raise RuleViolation("IPT-31", f"{protocol.id}: the post-group meeting is held after the"
                            " final group session, before the acute course completes.")
    if protocol.parent_at_first_and_ending:
        in_ending = [s for s in state.sessions if s.number >= ending_start]
        present_now = command is not None and command.parent_present
        if not present_now and not any(s.parent_present for s in in_ending):
            raise RuleViolation("IPT-31", f"{protocol.id}: a parent or guardian attends a session"
                                " of the ending phase; none has yet.")
    if protocol.goodbye_letter_before_final and not state.goodbye_letter_shared:
        raise RuleViolation("IPT-31", f"{protocol.id}: the goodbye letter is shared before the"
                            " final session.")


@checks("IPT-05", "IPT-06", "IPT-14")
def session_deviations(state: PathwayState, command: HoldSession, phase: Phase
                       ) -> list[Deviation]:
    protocol, found = state.protocol, []
    last = state.sessions[-1] if state.sessions else None
    gap_limit = timedelta(days=protocol.max_days_between_sessions)
    if last and command.occurred_at - last.occurred_at > gap_limit:
        days = (command.occurred_at - last.occurred_at) / timedelta(days=1)
        found.append(("IPT-05", f"{days:.1f} days since the last session (more than"
                      f" {protocol.max_days_between_sessions})."))
    if phase == INITIAL and state.initial_sessions_held >= protocol.initial_cap:
        found.append(("IPT-06", f"The initial phase of {protocol.id} lasts at most"
                      f" {protocol.initial_cap} sessions; this would be initial session"
                      f" {state.initial_sessions_held + 1}."))
    contract = state.contract
    if phase == MIDDLE and contract and command.focus_addressed not in contract.foci:
        found.append(("IPT-14", "A middle-phase session addresses one of the contracted foci"
                      f" ({', '.join(contract.foci)})."))
    review = _review_due(state, command)
    if review:
        found.append(review)
    return found


@checks("IPT-16")
def _review_due(state: PathwayState, command: HoldSession) -> Deviation | None:
    """IPT-16: under 25% improvement by session 8 or week 8 asks for a review."""
    protocol = state.protocol
    if state.contract is None or not state.sessions or state.has_deviation("IPT-16"):
        return None
    review_week = state.sessions[0].occurred_at + timedelta(weeks=protocol.review_at_session)
    past_review = (command.number > protocol.review_at_session
                   or command.occurred_at >= review_week)
    reviewed = any(held >= protocol.review_at_session or at >= review_week
                   for held, at in state.renegotiations)
    baseline = state.baseline
    if not past_review or reviewed or baseline is None:
        return None
    latest = state.latest_measure(baseline.instrument)
    if latest is None or latest is baseline:
        return None
    drop = improvement(baseline.total, latest.total)
    if drop >= protocol.review_min_improvement:
        return None
    return ("IPT-16", f"{baseline.instrument} improved {drop:.0%} from baseline by session"
            f" {protocol.review_at_session} or week {protocol.review_at_session} (under"
            f" {protocol.review_min_improvement:.0%}): review the course (renegotiate), or"
            " continue unchanged with a reason.")


@checks("IPT-21")
def missed_deviations(state: PathwayState, kind: MissKind) -> list[Deviation]:
    """IPT-21: while outreach is due, a further client miss needs a reason."""
    if kind not in NOT_CLIENT_MISSES and state.outreach_due:
        return [("IPT-21", f"Outreach is due after {state.consecutive_misses} consecutive and"
                 f" {state.client_misses} total missed sessions.")]
    return []
