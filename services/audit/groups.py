"""A group's audit: its history (every event with who, when, under which protocol and which
rules), and its state as of a version, as the record stood at a recorded time, or as the
clinic understood it at a clinical time, read from the group's own stream in the event store.

Each read asks ``allow`` first (with the group's leaders: a caseload reader must have one of
them in their caseload) and then tells the access log, under the group's id, before anything
is returned. A member's part in a session is on the member's pathway (``SessionHeld`` or
``SessionMissed`` with the group's id and number), read with the pathway's history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

from domain.group.events import GroupEvent, GroupFormed, MemberEnrolled
from services.application import Pathways
from services.audit import timeline
from services.audit.document import group_document
from services.audit.entries import Entry
from services.audit.trail import AsOf, HistoryPage, ReadHook, fold_as_of
from services.errors import GroupNotFound, GroupVersionNotFound

LeadersCheck = Callable[[Sequence[str]], None]
"""Told a group's leaders before it is read; it raises to refuse the read."""


class GroupTrail:
    """A group's history and its state as of a version or a time on either axis."""

    def __init__(self, pathways: Pathways, on_read: ReadHook | None = None,
                 allow: LeadersCheck | None = None) -> None:
        self._pathways = pathways
        self._on_read = on_read
        self._allow = allow

    def events(self, group_id: UUID) -> list[GroupEvent]:
        """Every stored event of the group, in order; an unknown group is not found."""
        found = cast("list[GroupEvent]",
                     list(self._pathways.repository.event_store.get(group_id)))
        if not found or not isinstance(found[0], GroupFormed):  # none, or a pathway's
            raise GroupNotFound(group_id)
        return found

    def leaders(self, group_id: UUID) -> tuple[str, ...]:
        """The group's leaders, from its formation alone (an unknown group is not found)."""
        formed = list(self._pathways.repository.event_store.get(group_id, lte=1))
        if not formed or not isinstance(formed[0], GroupFormed):
            raise GroupNotFound(group_id)
        return formed[0].leaders

    def _read(self, action: str, group_id: UUID,
              events: list[GroupEvent] | None = None) -> list[GroupEvent]:
        events = self.events(group_id) if events is None else events
        formed = events[0]
        assert isinstance(formed, GroupFormed)  # noqa: S101 - events() checked it
        if self._allow is not None:
            self._allow(formed.leaders)
        if self._on_read is not None:
            self._on_read(action, group_id)
        return events

    def history(self, group_id: UUID, *, after: int = 0,
                limit: int | None = None) -> HistoryPage:
        events = self._read("read-history", group_id)
        chosen = [event for event in events if event.originator_version > after]
        chosen = chosen if limit is None else chosen[:limit]
        latest = events[-1].originator_version
        last = chosen[-1].originator_version if chosen else latest
        return HistoryPage(group_id, tuple(Entry.of(event) for event in chosen), latest,
                           None if last >= latest else last)

    def at_version(self, group_id: UUID, version: int) -> AsOf:
        events = self.events(group_id)
        latest = events[-1].originator_version
        if not 1 <= version <= latest:
            raise GroupVersionNotFound(group_id, version, latest)
        self._read("read-as-of", group_id, events)
        return fold_as_of(group_id, "version", None, None,
                          fold=timeline.up_to_version(events, version), latest=latest,
                          document=group_document)

    def as_recorded_at(self, group_id: UUID, at: datetime) -> AsOf:
        events = self._read("read-as-of", group_id)
        return fold_as_of(group_id, "recorded", at, None,
                          fold=timeline.as_recorded(events, at),
                          latest=events[-1].originator_version, document=group_document)

    def as_understood_at(self, group_id: UUID, at: datetime,
                         known_at: datetime | None = None) -> AsOf:
        events = self._read("read-as-of", group_id)
        return fold_as_of(group_id, "clinical", at, known_at,
                          fold=timeline.as_understood(events, at, known_at),
                          latest=events[-1].originator_version, document=group_document)


class ExportedGroups:
    """The groups of one export's pathways (``services.audit.export.groups.GroupSource``):
    the enrolments found once, from the ordered log's ``MemberEnrolled`` events, and each
    group's events read when the export reaches them, told to the access log as ``action``."""

    def __init__(self, pathways: Pathways, on_read: ReadHook | None, action: str,
                 page: int = 1000) -> None:
        self._pathways = pathways
        self._on_read = on_read
        self._action = action
        self._page = page
        self._enrolments: dict[UUID, list[UUID]] | None = None

    def groups_of(self, pathway_id: UUID) -> Sequence[UUID]:
        if self._enrolments is None:
            self._enrolments = self._scan()
        return self._enrolments.get(pathway_id, [])

    def events_of(self, group_id: UUID) -> Sequence[GroupEvent]:
        events = GroupTrail(self._pathways).events(group_id)
        if self._on_read is not None:
            self._on_read(self._action, group_id)
        return events

    def _scan(self) -> dict[UUID, list[UUID]]:
        found: dict[UUID, list[UUID]] = {}
        decode = self._pathways.mapper.to_domain_event
        start = 1
        while True:
            notifications = self._pathways.recorder.select_notifications(
                start=start, limit=self._page, topics=[MemberEnrolled.TOPIC])
            for notification in notifications:
                enrolled = decode(notification)
                assert isinstance(enrolled, MemberEnrolled)  # noqa: S101 - by its topic
                groups = found.setdefault(enrolled.pathway_id, [])
                if enrolled.originator_id not in groups:
                    groups.append(enrolled.originator_id)
            if len(notifications) < self._page:
                return found
            start = notifications[-1].id + 1
