"""Events -> weekly attendance counts (added to, per week, therapist and protocol) and each
pathway's waiting times."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.pathway.events import ContractSigned, PathwayOpened, SessionHeld, SessionMissed
from projections.attendance.view import COUNTS, DDL, WAIT_COLUMNS, week_of
from projections.log import LoggedEvent
from projections.pathways.rows import upsert
from projections.rows import rows_by_pathway
from projections.store import Tx

_ADD = (f"INSERT INTO {{weeks}} (week, week_start, therapist, protocol, {', '.join(COUNTS)})"
        f" VALUES (:week, :week_start, :therapist, :protocol,"
        f" {', '.join(f':{c}' for c in COUNTS)}) ON CONFLICT (week, therapist, protocol)"
        f" DO UPDATE SET {', '.join(f'{c} = {{weeks}}.{c} + excluded.{c}' for c in COUNTS)}")
_UPSERT_WAITS = upsert("waits", WAIT_COLUMNS, ("id",))
_MISSES = {"no_show": "no_shows", "late_cancellation": "late_cancellations",
           "cancelled_by_therapist": "cancelled_by_therapist"}
"""The appointments a miss counts against. A group member kept out on a safety hold (IPT-17,
``safety_hold``) missed no appointment of their own making and none was cancelled: the service
held them out, so it counts in none of the columns."""
_DAY = 86_400.0


def _days_since(referral_date: str, moment: datetime) -> float:
    referred = datetime.fromisoformat(referral_date).replace(tzinfo=UTC)
    return (moment - referred).total_seconds() / _DAY


class AttendanceProjection:
    """``attendance``: appointments kept and missed per week and therapist; waiting times."""

    name = "attendance"
    version = 2
    tables = DDL
    handles = frozenset({PathwayOpened, SessionHeld, SessionMissed, ContractSigned})

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        batch = [logged for logged in batch if type(logged.event) in self.handles]
        waits: dict[str, dict[str, Any]] = rows_by_pathway(
            tx, "waits", WAIT_COLUMNS, {str(logged.pathway_id) for logged in batch
                                        if type(logged.event) is not PathwayOpened}, key="id")
        changed: set[str] = set()
        weeks: Counter[tuple[str, str, str, str, str]] = Counter()
        for logged in batch:
            event, pathway_id = logged.event, str(logged.pathway_id)
            if isinstance(event, PathwayOpened):
                waits[pathway_id] = {
                    "id": pathway_id, "therapist": event.therapist_id,
                    "protocol": event.protocol_id,
                    "referral_date": event.referral_date.isoformat(),
                    "days_to_first_session": None, "days_to_contract": None}
                changed.add(pathway_id)
                continue
            wait = waits[pathway_id]
            if isinstance(event, SessionHeld | SessionMissed):
                column = "held" if isinstance(event, SessionHeld) else _MISSES.get(event.kind)
                if column is not None:
                    weeks[(*week_of(event.occurred_at.astimezone(UTC).date()),
                           wait["therapist"], wait["protocol"], column)] += 1
            first = isinstance(event, SessionHeld) and wait["days_to_first_session"] is None
            if first:
                wait["days_to_first_session"] = _days_since(wait["referral_date"],
                                                            event.occurred_at)
            contract = isinstance(event, ContractSigned) and wait["days_to_contract"] is None
            if contract:
                wait["days_to_contract"] = _days_since(wait["referral_date"], event.occurred_at)
            if first or contract:
                changed.add(pathway_id)
        tx.executemany(_UPSERT_WAITS, [waits[pathway_id] for pathway_id in sorted(changed)])
        tx.executemany(_ADD, [
            {"week": week, "week_start": start, "therapist": therapist, "protocol": protocol,
             **dict.fromkeys(COUNTS, 0), column: n}
            for (week, start, therapist, protocol, column), n in sorted(weeks.items())])
