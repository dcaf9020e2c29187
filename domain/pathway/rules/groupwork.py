"""An ipt-g member's pathway (domain.md 4b): the individual meetings beside the group, and the
member's part in a group session (IPT-30 and IPT-31 for ipt-g; every other rule as usual).

The member's acute sessions are the group's sessions, numbered with the group (a member who
joined late, or missed one, has gaps); the individual meetings (pre-, mid- and post-group, and
safety sessions) are numbered on their own. The group decides its own ending (IPT-23) before
its final session, so a member's final session and completion do not ask for it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from domain.context import CommandContext
from domain.errors import InvalidCommand, RuleViolation
from domain.pathway.commands import AttendGroupSession, HoldSession
from domain.pathway.rules import Deviation, checks
from domain.pathway.rules.consent import check_session_consent
from domain.pathway.rules.safety import check_safety
from domain.pathway.rules.sessions import (
    check_acute_session,
    check_missed_scheduled,
    check_sessions_contracted,
    missed_deviations,
    session_deviations,
)
from domain.pathway.state import PathwayState
from domain.vocabulary import (
    MID_GROUP,
    MIDDLE,
    NO_SHOW,
    POST_GROUP,
    PRE_GROUP,
    SAFETY,
    MissKind,
    Phase,
    ProblemArea,
)


@checks("IPT-30", "IPT-31")
def check_meeting(state: PathwayState, command: HoldSession, ctx: CommandContext) -> None:
    """An individual meeting: a kind the protocol has, numbered on its own, in order, at its
    point of the course (IPT-31: pre-group before the first group session, mid-group once the
    group is half way, post-group after the final group session)."""
    protocol, kind = state.protocol, command.kind
    if kind != SAFETY and kind not in protocol.individual_meetings:
        raise InvalidCommand("kind", f"{protocol.id} has no {kind} meetings")
    expected = len(state.meetings) + 1
    if command.number != expected:
        raise RuleViolation("IPT-30", f"Individual meetings are numbered on their own: the next"
                            f" is number {expected}, not {command.number}.")
    check_in_order(state, command, ctx, "meeting")
    contract = state.contract
    if kind == PRE_GROUP and state.sessions:
        raise RuleViolation("IPT-31", f"{protocol.id}: the pre-group meeting comes before the"
                            " member's first group session; the member has had one.")
    if kind == MID_GROUP:
        after = protocol.mid_group_after(contract.sessions) if contract else None
        if after is None or state.last_group_session < after:
            raise RuleViolation("IPT-31", f"{protocol.id}: the mid-group meeting falls between"
                                f" group sessions N/2 and N/2+1 ({after or 'N/2'} and after);"
                                " the group is not half way yet.")
    if kind == POST_GROUP and (contract is None
                               or state.last_group_session < contract.sessions):
        raise RuleViolation("IPT-31", f"{protocol.id}: the post-group meeting follows the final"
                            " group session, which has not taken place yet.")


@checks("IPT-30")
def check_in_order(state: PathwayState, command: HoldSession | AttendGroupSession,
                   ctx: CommandContext, label: str) -> None:
    """IPT-30: after the latest session (acute or meeting), and never in the future."""
    previous = state.last_session
    if previous and command.occurred_at < previous.occurred_at:
        raise RuleViolation("IPT-30", f"Sessions are recorded in chronological order: this"
                            f" {label} cannot be held before the previous session"
                            f" ({previous.occurred_at.isoformat()}).")
    if command.occurred_at > ctx.latest_clinical_time:
        raise RuleViolation("IPT-30", "A session cannot be recorded as held in the future.")


@checks("IPT-06")
def meeting_deviations(state: PathwayState, command: HoldSession) -> list[Deviation]:
    """IPT-06 for ipt-g: the initial phase is the pre-group meeting, up to the protocol's cap."""
    cap, held = state.protocol.initial_cap, len(state.meetings_of(PRE_GROUP))
    if command.kind == PRE_GROUP and held >= cap:
        return [("IPT-06", f"The initial phase of {state.protocol.id} is the pre-group meeting"
                 f" (at most {cap}); this would be pre-group meeting {held + 1}.")]
    return []


@dataclass(frozen=True)
class GroupVisit:
    """What a group session is on the member's pathway: a session held or a session missed,
    the deviations it asks a reason for, and whether the ending is recorded as discussed."""

    session: HoldSession | None
    phase: Phase
    missed: MissKind | None
    deviations: list[Deviation]
    ending_discussed: bool


@checks("IPT-30")
def group_visit(state: PathwayState, command: AttendGroupSession,
                ctx: CommandContext) -> GroupVisit:
    """Decide the member's part in a group session; raise what the member is refused under."""
    protocol, contract = state.protocol, state.contract
    if not protocol.is_group:
        raise InvalidCommand("members", f"a {protocol.id} pathway is not a group member's")
    if state.group_id is not None and state.group_id != command.group_id:
        raise InvalidCommand("members", "the pathway's group sessions are another group's")
    if contract is not None and command.group_sessions not in (None, contract.sessions):
        raise InvalidCommand("members", f"the member's contract has {contract.sessions}"
                             f" sessions; the group runs {command.group_sessions}")
    check_sessions_contracted(state)
    if command.number <= state.last_group_session:
        raise RuleViolation("IPT-30", f"Group session {command.number} comes after group"
                            f" session {state.last_group_session}, already recorded here.")
    check_in_order(state, command, ctx, "group session")
    if not command.present:
        check_missed_scheduled(state)
        kind: MissKind = command.absence or NO_SHOW
        return GroupVisit(None, state.phase, kind, missed_deviations(state, kind), False)
    return _present(state, command)


def _present(state: PathwayState, command: AttendGroupSession) -> GroupVisit:
    check_pre_group_meeting(state)
    contract = state.contract
    session = _as_session(command, _focus_among(state, command.themes))
    phase: Phase = MIDDLE if contract is None else state.phase_of_session(command.number)
    check_acute_session(state, session, phase, ending_by_group=True)
    check_session_consent(state, session)
    check_safety(state, session)
    deviations = [*session_deviations(state, session, phase), *mid_group_missed(state, command)]
    discussed = command.ending_discussed and state.termination_discussed_at is None
    return GroupVisit(session, phase, None, deviations, discussed)


@checks("IPT-31")
def check_pre_group_meeting(state: PathwayState) -> None:
    """IPT-31 for ipt-g: a pre-group meeting before the member's first group session."""
    protocol = state.protocol
    if PRE_GROUP in protocol.individual_meetings and not state.meetings_of(PRE_GROUP):
        raise RuleViolation("IPT-31", f"{protocol.id}: a member has a pre-group meeting before"
                            " their first group session; this member has had none.")


@checks("IPT-31")
def mid_group_missed(state: PathwayState, command: AttendGroupSession) -> list[Deviation]:
    """IPT-31 (S) for ipt-g: the mid-group meeting falls between group sessions N/2 and N/2+1;
    a member who comes to a later session without one has missed it (recorded once)."""
    protocol, contract = state.protocol, state.contract
    sessions = command.group_sessions or (contract.sessions if contract else None)
    if (MID_GROUP not in protocol.individual_meetings or sessions is None
            or state.has_deviation("IPT-31")):
        return []
    after = protocol.mid_group_after(sessions)
    if command.number <= after or state.meetings_of(MID_GROUP):
        return []
    return [("IPT-31", f"{protocol.id}: the mid-group meeting falls between group sessions"
             f" {after} and {after + 1}; this member has had none.")]


@lru_cache(maxsize=32)
def _as_session(command: AttendGroupSession, focus: ProblemArea | None) -> HoldSession:
    """The session a present member holds (shared by the members with the same focus)."""
    return HoldSession.model_construct(  # of values validated already
        occurred_at=command.occurred_at, number=command.number, minutes=command.minutes,
        channel=command.channel, focus_addressed=focus, reason=command.reason)


def _focus_among(state: PathwayState, themes: tuple[ProblemArea, ...]) -> ProblemArea | None:
    """The member's own focus, when the group session's themes address it."""
    foci = state.contract.foci if state.contract else state.focus.areas if state.focus else ()
    return next((area for area in foci if area in themes), None)
