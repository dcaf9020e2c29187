"""The groups of the pathways an export holds: which groups each was enrolled in, and each
group's events, read once per export (and told to the access log by the source)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol
from uuid import UUID

from domain.group.events import GroupEvent


class GroupSource(Protocol):
    def groups_of(self, pathway_id: UUID) -> Sequence[UUID]:
        """The groups the pathway was ever enrolled in, in enrolment order."""

    def events_of(self, group_id: UUID) -> Sequence[GroupEvent]:
        """The group's stored events (a read recorded in the access log)."""


class Memberships:
    """The exported pathways' groups, each with its exported members (pathway -> value)."""

    def __init__(self, source: GroupSource | None) -> None:
        self._source = source
        self._members: dict[UUID, dict[UUID, str]] = {}

    def add(self, pathway_id: UUID, value: str) -> None:
        if self._source is None:
            return
        for group_id in self._source.groups_of(pathway_id):
            self._members.setdefault(group_id, {})[pathway_id] = value

    def groups(self) -> Iterator[tuple[Sequence[GroupEvent], dict[UUID, str]]]:
        """Each group's events with its exported members, in the order first met."""
        if self._source is None:
            return
        for group_id, members in self._members.items():
            yield self._source.events_of(group_id), members
