"""The ``Pathway`` aggregate: one course of care, deciding every rule from its own history.

Opening, the single entry point for commands and a member's part in a group session are here;
the command handlers are in ``domain.pathway.handlers``, one mixin a stage of the course
(initial phase and contract, safety, sessions, ending). Each handler runs its guards first and
triggers events only when they pass, so a refused command records nothing. Soft-rule breaches
need the command's ``reason`` and are recorded as ``DeviationRecorded`` just before the event
they allowed.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.handlers import ending, initial, safety, sessions
from domain.pathway.handlers.deciding import Handler, event_meta
from domain.pathway.handlers.ending import Ending
from domain.pathway.handlers.initial import InitialPhase
from domain.pathway.handlers.safety import Safety
from domain.pathway.handlers.sessions import Sessions
from domain.pathway.rules import noting_checks, rules_noted
from domain.pathway.rules.always import (
    check_age,
    check_available,
    check_format,
    check_not_closed,
    check_not_future,
    check_referral_not_future,
)
from domain.pathway.rules.groupwork import GroupVisit, group_visit
from domain.pathway.state import PathwayState
from domain.protocols import Protocol, acute_protocol


class Pathway(InitialPhase, Safety, Sessions, Ending, Aggregate):
    TOPIC = "carepath:Pathway"
    Event = e.PathwayEvent
    Created = e.PathwayOpened

    def __init__(self) -> None:
        self.state: PathwayState  # set by PathwayOpened

    # ----- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, pathway_id: UUID, command: c.OpenPathway, ctx: CommandContext, *,
             proposed: Protocol | None = None) -> Pathway:
        """Open a pathway under the command's protocol, or (a what-if, never saved) under a
        ``proposed`` version of it that the protocol table does not hold yet."""
        with noting_checks():
            pathway = cls._opened(pathway_id, command, ctx, proposed)
        if proposed is not None:
            pathway.decide_under(proposed)
        return pathway

    def decide_under(self, proposed: Protocol) -> None:
        """A what-if for the compliance replay: decide every further command under a proposed
        protocol version instead of the pathway's own. Nothing records it."""
        self.state.proposed_protocol = proposed

    @classmethod
    def _opened(cls, pathway_id: UUID, command: c.OpenPathway, ctx: CommandContext,
                proposed: Protocol | None) -> Pathway:
        protocol = proposed or acute_protocol(command.protocol, command.protocol_version)
        check_available(protocol)
        check_not_future(command.occurred_at, ctx)
        check_referral_not_future(command.referral_date, ctx)
        check_age(protocol, command.client_age)
        check_format(protocol, command)
        return cls._create(
            e.PathwayOpened, id=pathway_id, timestamp=ctx.recorded_at,
            occurred_at=command.occurred_at, meta=event_meta(ctx, protocol.ref),
            client_ref=command.client_ref, client_age=command.client_age,
            therapist_id=command.therapist_id, protocol_id=protocol.id,
            protocol_version=protocol.version, format=command.format, channel=command.channel,
            referral_date=command.referral_date, partner_ref=command.partner_ref,
        )

    # ----- the single entry point -----------------------------------------------------------

    def handle(self, command: c.Command, ctx: CommandContext) -> None:
        """Decide one command: IPT-29 first, then the command's own rules.

        Every check a handler calls notes its rule ids; the events record them, so a handler
        runs all of its checks before it triggers its first event (guards before events).
        """
        with noting_checks():
            check_not_closed(self.state)
            handler = _HANDLERS.get(type(command))
            if handler is None:
                raise InvalidCommand("command",
                                     f"{type(command).__name__} is not a pathway command")
            if not isinstance(command, c.HoldSession | c.AttendGroupSession):
                check_not_future(command.occurred_at, ctx)  # a session's time is IPT-30's
            handler(self, command, ctx)

    def decide_group_visit(self, command: c.AttendGroupSession, ctx: CommandContext
                           ) -> tuple[GroupVisit, tuple[str, ...]]:
        """The member's part in a group session, decided without recording it (what it would
        be refused under is raised), and the rules it was checked against. The group decides
        every member first, so one member's refusal leaves every pathway untouched; then it
        records each decided part (:meth:`record_group_visit`)."""
        with noting_checks():
            check_not_closed(self.state)
            return group_visit(self.state, command, ctx), rules_noted()

    def record_group_visit(self, command: c.AttendGroupSession, visit: GroupVisit,
                           rules: tuple[str, ...], ctx: CommandContext) -> None:
        """Record a part decided by :meth:`decide_group_visit` on this same state."""
        with noting_checks() as noted:
            noted.extend(rules)
            self._record_visit(command, visit, ctx)


_HANDLERS: dict[type[c.Command], Handler] = {
    **initial.HANDLERS, **safety.HANDLERS, **sessions.HANDLERS, **ending.HANDLERS}
