"""The filter form's therapist choices, from the caseload read model (ids only, no names)."""

from __future__ import annotations

import logging

from services.composition import Container
from services.http.dashboard.panels import caseload
from services.http.dashboard.reading import live

log = logging.getLogger("carepath.dashboard")


def therapists(container: Container, chosen: str | None,
               within: frozenset[str] | None = None) -> list[str]:
    """Every therapist with an active pathway, and the one chosen (if any); only those
    ``within`` a caseload when the caller's view is limited to one."""
    if within is not None:
        return sorted(within)
    known: set[str] = {chosen} if chosen else set()
    now = container.pathways.clock()
    try:
        with live(container.read_store, caseload.PANEL.projection) as read:
            if read.tx is not None:
                known |= set(caseload.therapists(read.tx, now))
    except Exception as error:  # noqa: BLE001 - the page still serves, the list is shorter
        log.warning("dashboard: therapists unreadable: %s", error)
    return sorted(known)
