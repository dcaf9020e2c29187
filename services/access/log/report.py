"""Reports of the access log for an auditor (ONC 170.315(d)(3)): its entries for a period, a
user or a patient, and counts by user, pathway or patient; one module for the CLI and HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.access.log.entries import Entry
from services.access.log.log import MAX_PAGE, AccessLog
from services.access.log.patients import clients_of, pathways_of

By = Literal["user", "pathway", "patient"]
BY: tuple[By, ...] = ("user", "pathway", "patient")


@dataclass(frozen=True)
class Asked:
    """Which entries: a pathway, a user (actor id), a patient (client reference), a period
    (``since`` included, ``until`` excluded, by the time recorded)."""

    pathway_id: UUID | None = None
    actor: str | None = None
    patient: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Row:
    key: str
    reads: int
    pathways: int
    users: int
    first: datetime
    last: datetime


def pathways_asked(application: Any, asked: Asked) -> set[UUID] | None:
    """The pathways the question is about (None: any), a patient's looked up in the log."""
    chosen: set[UUID] | None = None if asked.pathway_id is None else {asked.pathway_id}
    if asked.patient is not None:
        theirs = pathways_of(application, asked.patient)
        chosen = theirs if chosen is None else chosen & theirs
    return chosen


def page(log: AccessLog, application: Any, asked: Asked, *, after: int = 0,
         limit: int = 100) -> list[Entry]:
    return log.entries(pathways=pathways_asked(application, asked), actor=asked.actor,
                       since=asked.since, until=asked.until, after=after, limit=limit)


def every(log: AccessLog, application: Any, asked: Asked) -> Iterator[Entry]:
    pathways = pathways_asked(application, asked)
    after = 0
    while True:
        found = log.entries(pathways=pathways, actor=asked.actor, since=asked.since,
                            until=asked.until, after=after, limit=MAX_PAGE)
        yield from found
        if len(found) < MAX_PAGE:
            return
        after = found[-1].seq


def report(log: AccessLog, application: Any, asked: Asked, by: By) -> list[Row]:
    """Reads counted by user, pathway or patient (most read first)."""
    entries = list(every(log, application, asked))
    clients = (clients_of(application, {e.pathway_id for e in entries if e.pathway_id})
               if by == "patient" else {})
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if by == "user":
            key = f"{entry.actor_id} ({entry.actor_role})"
        elif entry.pathway_id is None:
            key = "-"
        else:
            key = clients.get(entry.pathway_id, "-") if by == "patient" else str(
                entry.pathway_id)
        groups.setdefault(key, []).append(entry)
    rows = [Row(key=key, reads=len(group),
                pathways=len({e.pathway_id for e in group if e.pathway_id}),
                users=len({e.actor_id for e in group}),
                first=min(e.recorded_at for e in group), last=max(e.recorded_at for e in group))
            for key, group in groups.items()]
    return sorted(rows, key=lambda row: (-row.reads, row.key))
