"""Forming a group, and who may join it or leave it (IPT-03, IPT-19, IPT-29, IPT-31, IPT-33)."""

from __future__ import annotations

from uuid import UUID

from domain.errors import InvalidCommand, RuleViolation
from domain.group.commands import CloseGroup, FormGroup
from domain.group.rules import checks
from domain.group.state import GroupState
from domain.pathway.rules.initial import check_session_count
from domain.pathway.state import PathwayState
from domain.protocols import Protocol
from domain.vocabulary import AFTER_COMPLETION, ENDED_EARLY


@checks("IPT-03", "IPT-33")
def check_formation(protocol: Protocol, command: FormGroup) -> None:
    """A group protocol, its planned sessions in the protocol's range (IPT-03), and a capacity
    within the protocol's group size (IPT-33)."""
    if protocol.group_size is None:
        raise InvalidCommand("protocol", f"{protocol.id} is not a group protocol")
    if not protocol.available:
        raise InvalidCommand("protocol", f"{protocol.id}: {protocol.notes}")
    if len(set(command.leaders)) != len(command.leaders):
        raise InvalidCommand("leaders", "a leader is named twice")
    check_session_count(protocol, command.sessions, 0)
    low, high = protocol.group_size
    if not low <= command.capacity <= high:
        raise RuleViolation("IPT-33", f"A {protocol.id} group holds {low}-{high} members: a"
                            f" capacity of {command.capacity} is outside that.")


@checks("IPT-29")
def check_group_open(state: GroupState) -> None:
    """IPT-29, for a group: a closed group accepts no command."""
    if state.closed:
        raise RuleViolation("IPT-29", f"The group is closed ({state.closed_outcome}) and"
                            " accepts no command.")


@checks("IPT-19", "IPT-29", "IPT-31", "IPT-33")
def check_enrolment(state: GroupState, group_id: UUID, pathway_id: UUID,
                    member: PathwayState) -> None:
    """Membership closes after the protocol's session (IPT-31), never beyond capacity
    (IPT-33), an ipt-g pathway still in its course, not in another group, with the group's N,
    and no urgent flag open on it (IPT-19)."""
    protocol, active = state.protocol, state.active_members
    if pathway_id in active:
        raise InvalidCommand("pathway_id", "is already a member of the group")
    closes = protocol.membership_closes_after_session
    if closes is not None and state.sessions_held >= closes:
        raise RuleViolation("IPT-31", f"{protocol.id}: membership closes after group session"
                            f" {closes}; the group has held {state.sessions_held}.")
    if len(active) >= state.capacity:
        raise RuleViolation("IPT-33", f"The group is full: it holds {state.capacity} members.")
    if member.protocol_id != state.protocol_id:
        raise InvalidCommand("pathway_id", f"a {member.protocol_id} pathway cannot join a"
                             f" {state.protocol_id} group")
    if member.closed_reason is not None:
        raise RuleViolation("IPT-29", f"The member's pathway is closed"
                            f" ({member.closed_reason}) and accepts no command.")
    if member.group_id not in (None, group_id):
        raise InvalidCommand("pathway_id", "the pathway's group sessions are another group's")
    if member.phase in AFTER_COMPLETION:
        raise InvalidCommand("pathway_id", "the member's acute course is complete")
    if member.contract is not None and member.contract.sessions != state.sessions_planned:
        raise InvalidCommand("pathway_id", f"the member's contract has"
                             f" {member.contract.sessions} sessions; the group runs"
                             f" {state.sessions_planned}")
    if protocol.blocks_enrolment_on_urgent_flag and member.has_open_urgent_flag:
        raise RuleViolation("IPT-19", f"No {protocol.id} enrolment while an urgent safety flag"
                            " is open on the member's pathway: assess and resolve it first.")


def check_member(state: GroupState, pathway_id: UUID) -> None:
    if pathway_id not in state.active_members:
        raise InvalidCommand("pathway_id", "is not a member of the group")


def check_closing(state: GroupState, command: CloseGroup) -> None:
    """A group completes after its final session; otherwise it ends early, with a reason."""
    if command.outcome == ENDED_EARLY:
        if not command.reason:
            raise InvalidCommand("reason", "a group that ends early says why")
        return
    if state.sessions_held < state.sessions_planned:
        raise InvalidCommand("outcome", f"the group completes after its final session"
                             f" ({state.sessions_held} of {state.sessions_planned} held); end"
                             " it early with a reason instead")
