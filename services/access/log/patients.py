"""Who a pathway is about: the client named when it was opened (``client_ref``, PHI kept in
the event store, encrypted where configured, never copied into the access log)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final
from uuid import UUID

from domain.pathway.events import PathwayOpened

PAGE: Final = 1000


def client_of(application: Any, pathway_id: UUID) -> str | None:
    """The pathway's client reference, or None for an unknown pathway."""
    first = next(iter(application.repository.event_store.get(pathway_id, lte=1)), None)
    found = getattr(first, "client_ref", None)
    return found if isinstance(found, str) else None


def clients_of(application: Any, pathway_ids: Iterable[UUID]) -> dict[UUID, str]:
    found = {pathway_id: client_of(application, pathway_id) for pathway_id in pathway_ids}
    return {pathway_id: client for pathway_id, client in found.items() if client is not None}


def pathways_of(application: Any, client_ref: str) -> set[UUID]:
    """Every pathway opened for ``client_ref`` (read from the ordered log's openings)."""
    found: set[UUID] = set()
    start = 1
    while True:
        notifications = application.recorder.select_notifications(
            start=start, limit=PAGE, topics=[PathwayOpened.TOPIC])
        for notification in notifications:
            event = application.mapper.to_domain_event(notification)
            if getattr(event, "client_ref", None) == client_ref:
                found.add(UUID(str(notification.originator_id)))
        if len(notifications) < PAGE:
            return found
        start = notifications[-1].id + 1
