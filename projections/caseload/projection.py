"""Events -> one caseload row per pathway: its phase and what is due on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.pathway.events import CATALOGUE
from domain.vocabulary import ACUTE_COURSE
from projections.caseload.view import COLUMNS, DDL
from projections.log import LoggedEvent
from projections.pathways.fold import Track, fold_batch
from projections.pathways.rows import upsert, utc_text
from projections.projection import routed
from projections.store import Tx

_UPSERT = upsert("caseload", (*COLUMNS, "fold"), ("id",))


def row_of(track: Track) -> dict[str, Any]:
    s = track.state
    due_now, due_by = False, None
    if s.phase in ACUTE_COURSE:  # IPT-15, as check_measurement counts it
        latest = s.latest_measure()
        if latest is None:
            due_now = True
        else:
            due_now = (s.sessions_held - latest.acute_sessions_held
                       >= s.protocol.measure_every_sessions)
            due_by = utc_text(latest.occurred_at
                              + timedelta(days=s.protocol.measure_every_days))
    return {"therapist": s.therapist_id, "protocol": s.protocol_id, "phase": s.phase,
            "outreach_due": s.outreach_due,
            "unacknowledged_flags": sum(1 for f in s.open_flags if not f.acknowledged),
            "measure_due_now": due_now, "measure_due_by": due_by}


class CaseloadProjection:
    """``caseload``: active pathways per therapist by phase and protocol, and what is due."""

    name = "caseload"
    version = 3
    tables = DDL
    handles = frozenset(CATALOGUE)

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        batch = routed(self, batch)
        folded = fold_batch(tx, "caseload", batch)
        tx.executemany(_UPSERT, [{**row_of(track), "id": pathway_id,
                                  "fold": folded.frozen(pathway_id)}
                                 for pathway_id, track in folded.tracks.items()])
