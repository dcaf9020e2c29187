"""Reads of the write model: a pathway's state now or as of a version, its history, the list.

Auditors' as-of and history reads replay the pathway's own stream; the ops list reads the
ordered log. Read models (``projections/``) answer the dashboards' questions without replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.pathway.aggregate import Pathway
from domain.pathway.events import PathwayEvent, PathwayOpened
from services.application import Pathways
from services.errors import PathwayNotFound, VersionNotFound


class PathwayQueries:
    """Queries over the event store of one ``Pathways`` application."""

    def __init__(self, pathways: Pathways) -> None:
        self._pathways = pathways

    def pathway(self, pathway_id: UUID, version: int | None = None) -> Pathway:
        """The pathway now, or as it was at ``version`` (an auditor's "as of")."""
        pathway = self._pathways.load(pathway_id, version)
        if version is not None and pathway.version < version:
            raise VersionNotFound(pathway_id, version, pathway.version)
        return pathway

    def history(self, pathway_id: UUID, *, after: int = 0,
                until: int | None = None) -> Sequence[PathwayEvent]:
        """The events after version ``after`` up to ``until``; unknown pathways are not found."""
        events = list(self._pathways.repository.event_store.get(
            pathway_id, gt=after or None, lte=until))
        if (not events and after == 0) or (events and not isinstance(events[0], PathwayEvent)):
            raise PathwayNotFound(pathway_id)
        return events  # type: ignore[return-value]

    def pathway_ids(self, *, start: int = 1, limit: int = 100) -> list[tuple[int, UUID]]:
        """(position, id) of opened pathways in the order they were opened."""
        notifications = self._pathways.recorder.select_notifications(
            start=start, limit=limit, topics=[PathwayOpened.TOPIC])
        return [(n.id, UUID(str(n.originator_id))) for n in notifications]
