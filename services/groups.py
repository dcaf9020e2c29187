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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.context import CommandContext
from domain.errors import CommandRejected, InvalidCommand
from domain.group import commands as g
from domain.group.aggregate import Group
from domain.group.events import AttendanceRecord, GroupEvent, GroupSessionHeld
from domain.group.session import hold_group_session
from domain.pathway.aggregate import Pathway
from domain.pathway.commands import Command
from domain.pathway.state import command_key
from services.access.policy import CASELOAD, Action, Forbidden, authorize, scope_of
from services.access.principal import Principal
from services.application import Caller, Pathways, RecordedEvent, replay
from services.errors import (
    ConcurrencyConflict,
    GroupNotFound,
    GroupVersionNotFound,
    IdempotencyKeyReused,
    PathwayNotFound,
    VersionMismatch,
)
from services.store.cache import CheckoutCache
from services.store.newer import events_after
from services.store.positions import stored_position

_FORM_NAMESPACE = uuid5(NAMESPACE_URL, "urn:carepath:group-formed")
CACHE_SIZE = 200
"""Groups a process keeps decided state for (their members' pathways sit in ``Pathways``)."""


@dataclass(frozen=True)
class MemberResult:
    """What a group command recorded on one member's pathway."""

    pathway_id: UUID
    version: int
    events: tuple[RecordedEvent, ...]


@dataclass(frozen=True)
class GroupResult:
    group_id: UUID
    version: int
    events: tuple[RecordedEvent, ...]
    members: tuple[MemberResult, ...] = ()
    """A group session: each member's pathway, in attendance order."""
    attendance: tuple[AttendanceRecord, ...] = ()
    """A group session: who was present, and why the others were not (IPT-17 included)."""
    replayed: bool = False
    log_position: int = 0


class Groups:
    """Group commands and reads over the same store as ``pathways`` (one application)."""

    def __init__(self, pathways: Pathways, cache_size: int = CACHE_SIZE) -> None:
        self.pathways = pathways
        self.cache: CheckoutCache[Group] = CheckoutCache(cache_size)

    # ----- commands ------------------------------------------------------------------------

    def form(self, command: g.FormGroup, caller: Caller) -> GroupResult:
        """Form a group; its id derives from the caller and key, so a retry finds it."""
        if caller.principal is not None:  # a therapist forms the groups they lead
            authorize_leaders(caller.principal, Action.COMMAND, command.leaders)
        group_id = uuid5(_FORM_NAMESPACE, f"{caller.actor_id}\x1f{caller.idempotency_key}")
        ctx = self.pathways.context(command, caller)
        try:
            existing = self._checkout(group_id)
        except GroupNotFound:
            group = Group.form(group_id, command, ctx)
            recorded = _pending(group)
            try:
                recordings = self.pathways.save(group)
            except IntegrityError:  # the same retry raced us and won
                existing = self._checkout(group_id)
            else:
                self.cache.give(group)
                return GroupResult(group_id, group.version, recorded,
                                   log_position=_last_position(recordings))
        try:
            return self._replay(existing, ctx)
        finally:
            self.cache.give(existing)

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
            group, members = self._checkout_with_members(group_id) if session else (
                self._checkout(group_id), {})
            self._authorize(caller, group, members)
            ctx = self.pathways.context(command, caller)
            if command_key(ctx.actor_id, ctx.idempotency_key) in group.state.commands:
                self._give_back_untouched(group, members.values())
                return self._replay(group, ctx)
            if expected_version is not None and group.version != expected_version:
                self._give_back_untouched(group, members.values())
                raise VersionMismatch(expected_version, group.version, "group")
            result = self._decide_and_save(group, members, command, ctx, caller.principal)
            if result is not None:
                return result
            if expected_version is not None:
                raise VersionMismatch(expected_version, self._latest_version(group_id), "group")
        raise ConcurrencyConflict(attempts)

    # ----- reads ---------------------------------------------------------------------------

    def load(self, group_id: UUID, version: int | None = None) -> Group:
        """The group now, or as it stood at ``version`` (the caller owns it)."""
        try:
            group: Any = self.pathways.repository.get(group_id, version=version,
                                                      projector_func=replay)
        except AggregateNotFoundError:
            raise GroupNotFound(group_id) from None
        if not isinstance(group, Group):  # another aggregate's id (a pathway's)
            raise GroupNotFound(group_id)
        if version is not None and group.version < version:
            raise GroupVersionNotFound(group_id, version, group.version)
        return group

    def history(self, group_id: UUID, *, after: int = 0,
                until: int | None = None) -> list[GroupEvent]:
        """The group's events after version ``after`` up to ``until``."""
        events = list(self.pathways.repository.event_store.get(group_id, gt=after or None,
                                                                 lte=until))
        if (not events and after == 0) or (events and not isinstance(events[0], GroupEvent)):
            raise GroupNotFound(group_id)
        return events  # type: ignore[return-value]

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
                members = {command.pathway_id: self._member(command.pathway_id)}
                member = members[command.pathway_id].state
                if principal is not None:  # the caller may act on the pathway enrolled
                    authorize(principal, Action.COMMAND, member.therapist_id)
                group.enrol(command, member, ctx)
            else:
                group.handle(command, ctx)
        except (CommandRejected, Forbidden):
            self._give_back_untouched(group, members.values())
            raise
        recorded = _pending(group)
        changed = [pathway for pathway in members.values() if pathway.pending_events]
        member_results = tuple(MemberResult(p.id, p.version, _pending(p)) for p in changed)
        try:
            recordings = self.pathways.save(*changed, group)
        except IntegrityError:
            return None
        self.cache.give(group)
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
            self._give_back_untouched(group, members.values())
            raise

    def _member(self, pathway_id: UUID) -> Pathway:
        try:
            return self.pathways.checkout(pathway_id)
        except PathwayNotFound:
            raise InvalidCommand("pathway_id", "there is no such pathway") from None

    def _give_back_untouched(self, group: Group, members: Iterable[Pathway]) -> None:
        """A refusal records nothing: whatever it left unchanged goes back to the caches."""
        if not group.pending_events:
            self.cache.give(group)
        for pathway in members:
            if not pathway.pending_events:
                self.pathways.cache.give(pathway)

    def _checkout_with_members(self, group_id: UUID) -> tuple[Group, dict[UUID, Pathway]]:
        """The group and its current members' pathways now, for this caller alone: cached ones
        brought up to date together, with one read of the events stored after their versions
        (a session costs one read however many members), the others replayed."""
        group = self.cache.take(group_id)
        if group is None:
            group = self.load(group_id)
            return group, self._pathways_now(group.state.active_members)
        members = {pid: self.pathways.cache.take(pid) for pid in group.state.active_members}
        versions = {group_id: group.version,
                    **{pid: pathway.version if pathway else 0 for pid, pathway in members.items()}}
        stored = events_after(self.pathways.recorder, versions)
        decode = self.pathways.mapper.to_domain_event
        group = replay(group, [decode(event) for event in stored.pop(group_id)])
        found = {pid: self._now(pid, members[pid], [decode(event) for event in events])
                 for pid, events in stored.items()}
        joined = [pid for pid in group.state.active_members if pid not in found]
        found |= self._pathways_now(joined)  # enrolled since the group was cached
        return group, {pid: found[pid] for pid in group.state.active_members}

    def _pathways_now(self, pathway_ids: list[UUID]) -> dict[UUID, Pathway]:
        taken = {pid: self.pathways.cache.take(pid) for pid in pathway_ids}
        stored = events_after(self.pathways.recorder, {
            pid: pathway.version if pathway else 0 for pid, pathway in taken.items()})
        decode = self.pathways.mapper.to_domain_event
        return {pid: self._now(pid, taken[pid], [decode(event) for event in stored[pid]])
                for pid in pathway_ids}

    @staticmethod
    def _now(pathway_id: UUID, cached: Pathway | None, newer: list[Any]) -> Pathway:
        pathway = replay(cached, newer)
        if not isinstance(pathway, Pathway):
            raise PathwayNotFound(pathway_id)
        return pathway

    def _checkout(self, group_id: UUID) -> Group:
        group = self.cache.take(group_id)
        if group is None:
            return self.load(group_id)
        newer = self.pathways.repository.event_store.get(group_id, gt=group.version)
        fresh: Group = replay(group, newer)
        return fresh

    def _latest_version(self, group_id: UUID) -> int:
        group = self._checkout(group_id)
        self.cache.give(group)
        return group.version

    def _replay(self, group: Group, ctx: CommandContext) -> GroupResult:
        """The first answer to a retried command, read back from the group and its members."""
        key = command_key(ctx.actor_id, ctx.idempotency_key)
        record = group.state.commands.get(key)
        if record is None or record.digest != ctx.request_digest:
            raise IdempotencyKeyReused(ctx.idempotency_key)
        store = self.pathways.repository.event_store
        events = list(store.get(group.id, gt=record.first_version - 1 or None,
                                lte=record.last_version))
        attendance = next((event.attendance for event in events
                           if isinstance(event, GroupSessionHeld)), ())
        members = tuple(self._member_replay(a.pathway_id, key) for a in attendance)
        position = stored_position(self.pathways.recorder, group.id, record.last_version)
        return GroupResult(group.id, record.last_version, _recorded(events),
                           tuple(m for m in members if m is not None), attendance,
                           replayed=True, log_position=position)

    def _member_replay(self, pathway_id: UUID, key: str) -> MemberResult | None:
        pathway = self.pathways.checkout(pathway_id)
        self.pathways.cache.give(pathway)
        record = pathway.state.commands.get(key)
        if record is None:
            return None
        events = self.pathways.repository.event_store.get(
            pathway_id, gt=record.first_version - 1 or None, lte=record.last_version)
        return MemberResult(pathway_id, record.last_version, _recorded(events))


def _pending(aggregate: Group | Pathway) -> tuple[RecordedEvent, ...]:
    return _recorded(aggregate.pending_events)


def _recorded(events: Any) -> tuple[RecordedEvent, ...]:
    return tuple(RecordedEvent(event.originator_version, type(event).__name__)
                 for event in events)


def _last_position(recordings: Sequence[Any]) -> int:
    return max((recording.notification.id for recording in recordings), default=0)


def authorize_leaders(principal: Principal, action: Action, leaders: Sequence[str]) -> None:
    """Decide ``action`` on a group for ``principal``: with a caseload scope, one of the
    group's leaders is in the caseload (a leader, or their supervisor); else :class:`Forbidden`
    (403 outside-caseload)."""
    if scope_of(principal, action) is CASELOAD and not set(leaders) & principal.caseload:
        raise Forbidden(principal, action, f"the group is not led from the caseload of"
                        f" {principal.subject} ({principal.role})", outside_caseload=True)
