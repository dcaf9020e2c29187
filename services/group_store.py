"""Where group commands find their aggregates: the group and its members' pathways checked out
of the caches and brought up to date, the group's reads, and the first answer to a retry.

Groups live in the pathways' application (one events table, one ordered log); the group has
a cache of its own, its members' pathways sit in the pathways' cache. An aggregate taken out
goes back only when it matches the store again (``give_back_untouched``, or after a save).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.group.aggregate import Group
from domain.group.events import AttendanceRecord, GroupEvent, GroupSessionHeld
from domain.pathway.aggregate import Pathway
from domain.pathway.state import command_key
from services.application import Pathways, RecordedEvent, replay
from services.errors import (
    GroupNotFound,
    GroupVersionNotFound,
    IdempotencyKeyReused,
    PathwayNotFound,
)
from services.store.cache import CheckoutCache
from services.store.newer import events_after
from services.store.positions import stored_position

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


class GroupStore:
    """The group's cache beside the pathways' application and its caches."""

    def __init__(self, pathways: Pathways, cache_size: int = CACHE_SIZE) -> None:
        self.pathways = pathways
        self.cache: CheckoutCache[Group] = CheckoutCache(cache_size)

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

    # ----- checking out, giving back ------------------------------------------------------

    def member(self, pathway_id: UUID) -> Pathway:
        """A pathway named in a command's body (an unknown one is a 422 on ``pathway_id``)."""
        try:
            return self.pathways.checkout(pathway_id)
        except PathwayNotFound:
            raise InvalidCommand("pathway_id", "there is no such pathway") from None

    def give_back_untouched(self, group: Group, members: Iterable[Pathway]) -> None:
        """A refusal records nothing: whatever it left unchanged goes back to the caches."""
        if not group.pending_events:
            self.cache.give(group)
        for pathway in members:
            if not pathway.pending_events:
                self.pathways.cache.give(pathway)

    def checkout_with_members(self, group_id: UUID) -> tuple[Group, dict[UUID, Pathway]]:
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

    def checkout(self, group_id: UUID) -> Group:
        group = self.cache.take(group_id)
        if group is None:
            return self.load(group_id)
        newer = self.pathways.repository.event_store.get(group_id, gt=group.version)
        fresh: Group = replay(group, newer)
        return fresh

    def latest_version(self, group_id: UUID) -> int:
        group = self.checkout(group_id)
        self.cache.give(group)
        return group.version

    def first_answer(self, group: Group, ctx: CommandContext) -> GroupResult:
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


def _recorded(events: Any) -> tuple[RecordedEvent, ...]:
    return tuple(RecordedEvent(event.originator_version, type(event).__name__)
                 for event in events)
