"""The group write side: get -> decide -> save, for a group and its members' pathways at once.

Groups live in the pathways' application (``Pathways``): one events table, one ordered log, one
transaction per save. A group session decides the group and every current member's pathway
(``domain.group.session``) and saves them all in **one** ``save``: either every member has the
session (held or missed) and the group has it, or nothing is recorded. Idempotency and
conflicts work as for a pathway's command: the group's own stream records each command's key,
so a retry answers the first answer; a lost race on the group or on any member (another
command on one member's pathway, say) fails the whole save, and the whole command is decided
again from the store, unless the caller pinned the group's version (``If-Match``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import IntegrityError

from domain.context import CommandContext
from domain.errors import CommandRejected
from domain.group import commands as g
from domain.group.aggregate import Group
from domain.group.events import AttendanceRecord, GroupEvent
from domain.group.session import hold_group_session
from domain.pathway.aggregate import Pathway
from domain.pathway.commands import Command
from domain.pathway.state import command_key
from services.access.policy import CASELOAD, Action, Forbidden, authorize, scope_of
from services.access.principal import Principal
from services.application import Caller, CommandObserver, Pathways, RecordedEvent, observed
from services.errors import ConcurrencyConflict, GroupNotFound, VersionMismatch
from services.group_store import CACHE_SIZE, GroupResult, GroupStore, MemberResult

_FORM_NAMESPACE = uuid5(NAMESPACE_URL, "urn:carepath:group-formed")
__all__ = ["GroupResult", "Groups", "MemberResult", "authorize_leaders"]


class Groups:
    """Group commands and reads over the same store as ``pathways`` (one application)."""

    def __init__(self, pathways: Pathways, cache_size: int = CACHE_SIZE) -> None:
        self.pathways = pathways
        self.store = GroupStore(pathways, cache_size)

    @property
    def on_command(self) -> list[CommandObserver]:
        """The pathways' observers: a group's commands are counted with theirs (metrics)."""
        return self.pathways.on_command

    # ----- commands ------------------------------------------------------------------------

    @observed
    def form(self, command: g.FormGroup, caller: Caller) -> GroupResult:
        """Form a group; its id derives from the caller and key, so a retry finds it."""
        if caller.principal is not None:  # a therapist forms the groups they lead
            authorize_leaders(caller.principal, Action.COMMAND, command.leaders)
        group_id = uuid5(_FORM_NAMESPACE, f"{caller.actor_id}\x1f{caller.idempotency_key}")
        ctx = self.pathways.context(command, caller)
        try:
            existing = self.store.checkout(group_id)
        except GroupNotFound:
            group = Group.form(group_id, command, ctx)
            recorded = _pending(group)
            try:
                recordings = self.pathways.save(group)
            except IntegrityError:  # the same retry raced us and won
                existing = self.store.checkout(group_id)
            else:
                self.store.cache.give(group)
                return GroupResult(group_id, group.version, recorded,
                                   log_position=_last_position(recordings))
        try:
            return self.store.first_answer(existing, ctx)
        finally:
            self.store.cache.give(existing)

    @observed
    def execute(self, group_id: UUID, command: Command, caller: Caller,
                expected_version: int | None = None) -> GroupResult:
        """get -> decide -> save the group (and its members' pathways, for a session)."""
        backoff = self.pathways.backoff
        attempts = backoff.retries + 1 if expected_version is None else 1
        pauses = backoff.pauses()
        if caller.principal is not None:  # a role that may issue no command reads nothing
            scope_of(caller.principal, Action.COMMAND)
        for attempt in range(attempts):
            if attempt:  # lost a race: let the other writers through before re-deciding
                backoff.sleep(next(pauses))
            session = isinstance(command, g.HoldGroupSession)
            group, members = self.store.checkout_with_members(group_id) if session else (
                self.store.checkout(group_id), {})
            self._authorize(caller, group, members)
            ctx = self.pathways.context(command, caller)
            if command_key(ctx.actor_id, ctx.idempotency_key) in group.state.commands:
                self.store.give_back_untouched(group, members.values())
                return self.store.first_answer(group, ctx)
            if expected_version is not None and group.version != expected_version:
                self.store.give_back_untouched(group, members.values())
                raise VersionMismatch(expected_version, group.version, "group")
            result = self._decide_and_save(group, members, command, ctx, caller.principal)
            if result is not None:
                return result
            if expected_version is not None:
                latest = self.store.latest_version(group_id)
                raise VersionMismatch(expected_version, latest, "group")
        raise ConcurrencyConflict(attempts)

    # ----- reads ---------------------------------------------------------------------------

    def load(self, group_id: UUID, version: int | None = None) -> Group:
        """The group now, or as it stood at ``version`` (the caller owns it)."""
        return self.store.load(group_id, version)

    def history(self, group_id: UUID, *, after: int = 0,
                until: int | None = None) -> list[GroupEvent]:
        """The group's events after version ``after`` up to ``until``."""
        return self.store.history(group_id, after=after, until=until)

    # ----- internals -----------------------------------------------------------------------

    def _decide_and_save(self, group: Group, members: dict[UUID, Pathway], command: Command,
                         ctx: CommandContext, principal: Principal | None
                         ) -> GroupResult | None:
        """Decide and save in one transaction; None if another writer won the race (every
        aggregate taken is then dropped: the next attempt reads them from the store)."""
        attendance: tuple[AttendanceRecord, ...] = ()
        try:
            if isinstance(command, g.HoldGroupSession):
                attendance = hold_group_session(group, members, command, ctx)
            elif isinstance(command, g.EnrolMember):
                members = {command.pathway_id: self.store.member(command.pathway_id)}
                member = members[command.pathway_id].state
                if principal is not None:  # the caller may act on the pathway enrolled
                    authorize(principal, Action.COMMAND, member.therapist_id)
                group.enrol(command, member, ctx)
            else:
                group.handle(command, ctx)
        except (CommandRejected, Forbidden):
            self.store.give_back_untouched(group, members.values())
            raise
        recorded = _pending(group)
        changed = [pathway for pathway in members.values() if pathway.pending_events]
        member_results = tuple(MemberResult(p.id, p.version, _pending(p)) for p in changed)
        try:
            recordings = self.pathways.save(*changed, group)
        except IntegrityError:
            return None
        self.store.cache.give(group)
        for pathway in members.values():
            self.pathways.cache.give(pathway)
        return GroupResult(group.id, group.version, recorded, member_results, attendance,
                           log_position=_last_position(recordings))

    def _authorize(self, caller: Caller, group: Group, members: dict[UUID, Pathway]) -> None:
        """The policy table's decision on a command to ``group``: its leaders are in the
        caller's caseload (then the caller acts on its members' pathways through the group).
        A refusal gives everything taken back to the caches untouched."""
        if caller.principal is None:
            return
        try:
            authorize_leaders(caller.principal, Action.COMMAND, group.state.leaders)
        except Forbidden:
            self.store.give_back_untouched(group, members.values())
            raise



def authorize_leaders(principal: Principal, action: Action, leaders: Sequence[str]) -> None:
    """Decide ``action`` on a group for ``principal``: with a caseload scope, one of the
    group's leaders is in the caseload (a leader, or their supervisor); else :class:`Forbidden`
    (403 outside-caseload)."""
    if scope_of(principal, action) is CASELOAD and not set(leaders) & principal.caseload:
        raise Forbidden(principal, action, f"the group is not led from the caseload of"
                        f" {principal.subject} ({principal.role})", outside_caseload=True)


def _pending(aggregate: Group | Pathway) -> tuple[RecordedEvent, ...]:
    return tuple(RecordedEvent(event.originator_version, type(event).__name__)
                 for event in aggregate.pending_events)


def _last_position(recordings: Sequence[Any]) -> int:
    return max((recording.notification.id for recording in recordings), default=0)
