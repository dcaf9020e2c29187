"""The audit trail: every auditor's read of a history, an as-of or a step-through goes here.

The CLI and the HTTP edge both call ``AuditTrail``, never the store directly; the trail they
read through is ``trail.reading(hook)``, which tells the access log of every history, as-of,
step-through and export (the hook records it) after the events are read and before any of
them is returned. Reads replay the pathway's own stream from the event store, the record of
truth (not the read models).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast
from uuid import UUID

from domain.pathway.events import PathwayEvent, PathwayOpened
from services.application import Pathways
from services.audit import timeline
from services.audit.document import Change, Document, changes, state_document
from services.audit.entries import Entry
from services.audit.export import Format, Progress, export_chunks, in_period
from services.audit.export.fhir.refs import resource_id
from services.audit.timeline import Fold, NotApplied
from services.errors import PathwayNotFound, VersionNotFound

if TYPE_CHECKING:
    from services.audit.groups import ExportedGroups, GroupTrail, LeadersCheck

Axis = Literal["version", "recorded", "clinical"]
ReadHook = Callable[[str, UUID], None]
"""Told of each read: the access log's action (``read-history``, ``read-as-of``, ``export``,
``export-period``) and the pathway read; it raises to refuse the read."""
_NOT_A_CHANGE = frozenset({"version"})


@dataclass(frozen=True)
class HistoryPage:
    pathway_id: UUID
    """The pathway's id (or the group's, for a group's history)."""
    entries: tuple[Entry, ...]
    latest_version: int
    next_after: int | None


@dataclass(frozen=True)
class AsOf:
    """A pathway's state on one axis, and which of its events made it."""

    pathway_id: UUID
    axis: Axis
    at: datetime | None
    known_at: datetime | None
    version: int
    latest_version: int
    included: tuple[int, ...]
    left_out: tuple[int, ...]
    """Versions recorded before the last included one but left out (clinical axis)."""
    not_applied: tuple[NotApplied, ...]
    state: Document


@dataclass(frozen=True)
class Step:
    entry: Entry
    state: Document
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class StepsPage:
    pathway_id: UUID
    steps: tuple[Step, ...]
    latest_version: int
    next_after: int | None


class AuditTrail:
    """Histories, states as of a version or a time on either axis, step-throughs."""

    def __init__(self, pathways: Pathways, on_read: ReadHook | None = None) -> None:
        self._pathways = pathways
        self._on_read = on_read

    def reading(self, on_read: ReadHook) -> AuditTrail:
        """The same trail, telling ``on_read`` of every read it serves."""
        return AuditTrail(self._pathways, on_read)

    def groups(self, allow: LeadersCheck | None = None) -> GroupTrail:
        """Groups' histories and as-of reads, told to the same access log; ``allow`` is
        asked first with each group's leaders."""
        from services.audit.groups import GroupTrail  # noqa: PLC0415 - it builds on this

        return GroupTrail(self._pathways, self._on_read, allow)

    def _read(self, action: str, pathway_id: UUID) -> None:
        if self._on_read is not None:
            self._on_read(action, pathway_id)

    def events(self, pathway_id: UUID) -> list[PathwayEvent]:
        """Every stored event of the pathway, in order; an unknown pathway is not found."""
        found = cast("list[PathwayEvent]",
                     list(self._pathways.repository.event_store.get(pathway_id)))
        if not found or not isinstance(found[0], PathwayEvent):  # none, or a group's events
            raise PathwayNotFound(pathway_id)
        return found

    def pathway_ids(self, *, page: int = 1000) -> Iterator[UUID]:
        """Every pathway in the order it was opened (from the ordered log, a page at a time)."""
        start = 1
        while True:
            notifications = self._pathways.recorder.select_notifications(
                start=start, limit=page, topics=[PathwayOpened.TOPIC])
            for notification in notifications:
                yield UUID(str(notification.originator_id))
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    def history(self, pathway_id: UUID, *, after: int = 0,
                limit: int | None = None) -> HistoryPage:
        events = self.events(pathway_id)
        self._read("read-history", pathway_id)
        chosen = _page(events, after, limit)
        return HistoryPage(pathway_id, tuple(Entry.of(event) for event in chosen),
                           events[-1].originator_version, _next_after(events, chosen))

    def at_version(self, pathway_id: UUID, version: int) -> AsOf:
        events = self.events(pathway_id)
        latest = events[-1].originator_version
        if not 1 <= version <= latest:
            raise VersionNotFound(pathway_id, version, latest)
        self._read("read-as-of", pathway_id)
        return fold_as_of(pathway_id, "version", None, None,
                          fold=timeline.up_to_version(events, version), latest=latest)

    def as_recorded_at(self, pathway_id: UUID, at: datetime) -> AsOf:
        events = self.events(pathway_id)
        self._read("read-as-of", pathway_id)
        return fold_as_of(pathway_id, "recorded", at, None,
                          fold=timeline.as_recorded(events, at),
                          latest=events[-1].originator_version)

    def as_understood_at(self, pathway_id: UUID, at: datetime,
                         known_at: datetime | None = None) -> AsOf:
        events = self.events(pathway_id)
        self._read("read-as-of", pathway_id)
        return fold_as_of(pathway_id, "clinical", at, known_at,
                          fold=timeline.as_understood(events, at, known_at),
                          latest=events[-1].originator_version)

    def export_pathway(self, pathway_id: UUID, form: Format) -> Iterator[bytes]:
        """One pathway as JSON lines or a FHIR bundle, in pieces (an unknown pathway is not
        found before the first piece)."""
        events = self.events(pathway_id)
        self._read("export", pathway_id)
        now = self._pathways.clock()
        return export_chunks([events], form, now=now,
                             bundle_id=resource_id("bundle", pathway_id, now.isoformat()),
                             groups=self._exported_groups("export"))

    def export_period(self, since: datetime, until: datetime, form: Format, *,
                      progress: Progress | None = None) -> Iterator[bytes]:
        """Every pathway with an event that occurred in [since, until), as one export."""
        now = self._pathways.clock()
        return export_chunks(self.histories_in_period(since, until, progress), form, now=now,
                             bundle_id=resource_id("bundle", since.isoformat(),
                                                   until.isoformat(), now.isoformat()),
                             groups=self._exported_groups("export-period"))

    def _exported_groups(self, action: str) -> ExportedGroups:
        """The groups an export's pathways were enrolled in, each read told as ``action``."""
        from services.audit.groups import ExportedGroups  # noqa: PLC0415 - it builds on this

        return ExportedGroups(self._pathways, self._on_read, action)

    def histories_in_period(self, since: datetime, until: datetime,
                            progress: Progress | None = None) -> Iterator[list[PathwayEvent]]:
        """The histories of the pathways with an event that occurred in [since, until)."""
        pathway_ids = list(self.pathway_ids())
        for done, pathway_id in enumerate(pathway_ids, start=1):
            events = self.events(pathway_id)
            if in_period(events, since, until):
                self._read("export-period", pathway_id)
                yield events
            if progress is not None:
                progress(done, len(pathway_ids))

    def steps(self, pathway_id: UUID, *, after: int = 0, limit: int | None = None) -> StepsPage:
        """The state after each event after version ``after`` and what the event changed."""
        events = self.events(pathway_id)
        self._read("read-history", pathway_id)
        chosen = _page(events, after, limit)
        last = chosen[-1].originator_version if chosen else after
        found: list[Step] = []
        before: Document | None = None
        for event, pathway in timeline.stepped([e for e in events
                                                if e.originator_version <= last]):
            if event.originator_version < after:
                continue
            document = state_document(pathway)
            if event.originator_version > after:
                found.append(Step(Entry.of(event), document,
                                  tuple(changes(before, document, _NOT_A_CHANGE))))
            before = document
        return StepsPage(pathway_id, tuple(found), events[-1].originator_version,
                         _next_after(events, chosen))


def _page(events: Sequence[PathwayEvent], after: int,
          limit: int | None) -> Sequence[PathwayEvent]:
    chosen = [event for event in events if event.originator_version > after]
    return chosen if limit is None else chosen[:limit]


def _next_after(events: Sequence[PathwayEvent], chosen: Sequence[PathwayEvent]) -> int | None:
    if not chosen or chosen[-1].originator_version >= events[-1].originator_version:
        return None
    return chosen[-1].originator_version


def fold_as_of(stream_id: UUID, axis: Axis, at: datetime | None, known_at: datetime | None,
               *, fold: Fold, latest: int,
               document: Callable[[Any], Document] = state_document) -> AsOf:
    """The state ``fold`` reached on ``axis``, as ``document`` shows it (a group's stream
    passes ``group_document``)."""
    return AsOf(pathway_id=stream_id, axis=axis, at=at, known_at=known_at,
                version=fold.pathway.version, latest_version=latest, included=fold.included,
                left_out=fold.left_out, not_applied=fold.not_applied,
                state=document(fold.pathway))
