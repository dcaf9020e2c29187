"""Events -> one row per pathway: the state the aggregate derives, without replaying it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.pathway.events import CATALOGUE
from domain.vocabulary import URGENT
from projections.log import LoggedEvent
from projections.pathways.fold import Track, fold_batch
from projections.pathways.rows import maybe_utc_text, upsert, utc_text
from projections.pathways.view import COLUMNS, DDL
from projections.projection import routed
from projections.store import Tx

_UPSERT = upsert("pathways", (*COLUMNS, "fold"), ("id",))


def row_of(track: Track) -> dict[str, Any]:
    """The row's shown columns, from a folded (or fully replayed) pathway."""
    s = track.state
    open_flags = s.open_flags
    return {
        "id": None, "opened_position": track.opened_position, "protocol": s.protocol_id,
        "protocol_version": s.protocol_version, "format": s.format,
        "therapist": s.therapist_id, "phase": s.phase, "version": track.version,
        "sessions_held": s.sessions_held, "sessions_left": s.sessions_left,
        "open_flags": len(open_flags),
        "urgent_open_flags": sum(1 for flag in open_flags if flag.tier == URGENT),
        "outreach_due": s.outreach_due, "outcome": s.outcome, "next_step": s.next_step,
        "referral_date": s.referral_date.isoformat(), "opened_at": utc_text(s.opened_at),
        "first_session_at": utc_text(s.sessions[0].occurred_at) if s.sessions else None,
        "contract_signed_at": maybe_utc_text(s.contract_signed_at),
        "last_clinical_at": utc_text(track.last_clinical_at),
        "last_recorded_at": utc_text(track.last_recorded_at),
        "closed_reason": s.closed_reason,
    }


class PathwaysProjection:
    """``pathways``: one row per pathway, behind ``GET /pathways``."""

    name = "pathways"
    version = 2
    tables = DDL
    handles = frozenset(CATALOGUE)

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        batch = routed(self, batch)
        folded = fold_batch(tx, "pathways", batch)
        tx.executemany(_UPSERT, [{**row_of(track), "id": pathway_id,
                                  "fold": folded.frozen(pathway_id)}
                                 for pathway_id, track in folded.tracks.items()])
