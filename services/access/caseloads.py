"""Whose caseload a pathway is in: the therapist named when it was opened.

A pathway's therapist is fixed by its opening event (no command changes it), so the answer is
remembered once read (a bounded map, cleared when full); the first read loads only the
pathway's first stored event.
"""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from services.errors import PathwayNotFound

REMEMBERED: Final = 100_000
"""Pathways whose therapist a process remembers (~200 bytes each)."""


class Caseloads:
    def __init__(self, application: Any, *, size: int = REMEMBERED) -> None:
        self._events = application.repository.event_store
        self._size = size
        self._known: dict[UUID, str] = {}

    def known(self, pathway_id: UUID) -> str | None:
        """The pathway's therapist if already read, without touching the store."""
        return self._known.get(pathway_id)

    def therapist_of(self, pathway_id: UUID) -> str:
        """The pathway's therapist, or :class:`PathwayNotFound`."""
        therapist = self._known.get(pathway_id)
        if therapist is not None:
            return therapist
        first = next(iter(self._events.get(pathway_id, lte=1)), None)
        therapist = getattr(first, "therapist_id", None)
        if not isinstance(therapist, str):
            raise PathwayNotFound(pathway_id)
        if len(self._known) >= self._size:
            self._known.clear()
        self._known[pathway_id] = therapist
        return therapist
