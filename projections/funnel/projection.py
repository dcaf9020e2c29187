"""Events -> one funnel row per pathway: when it first reached each phase, and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.pathway.events import CATALOGUE
from domain.vocabulary import CLOSED
from projections.funnel.view import COLUMNS, DDL
from projections.log import LoggedEvent
from projections.pathways.fold import fold_batch
from projections.pathways.rows import upsert, utc_text
from projections.projection import routed
from projections.rows import rows_by_pathway
from projections.store import Tx

_UPSERT = upsert("funnel", (*COLUMNS, "fold"), ("id",))


class FunnelProjection:
    """``funnel``: phases reached per pathway, and the phase each dropout left from."""

    name = "funnel"
    version = 3
    tables = DDL
    handles = frozenset(CATALOGUE)

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        batch = routed(self, batch)
        folded = fold_batch(tx, "funnel", batch)
        rows = rows_by_pathway(tx, "funnel", COLUMNS, folded.tracks.keys(), key="id")
        for logged, (pathway_id, was, now) in zip(batch, folded.steps, strict=True):
            row: dict[str, Any] | None = rows.get(pathway_id)
            if row is None:
                state = folded.tracks[pathway_id].state
                row = rows[pathway_id] = {
                    "id": pathway_id, "therapist": state.therapist_id,
                    "protocol": state.protocol_id, "opened_at": utc_text(state.opened_at),
                    **dict.fromkeys(COLUMNS[4:])}
            column = f"reached_{now}"
            if was is not None and now != was and column in row and row[column] is None:
                row[column] = utc_text(logged.event.occurred_at)
            if now == CLOSED and was != CLOSED:
                row["closed_reason"] = folded.tracks[pathway_id].state.closed_reason
                row["closed_from"] = was
        tx.executemany(_UPSERT, [{**rows[pathway_id], "fold": folded.frozen(pathway_id)}
                                 for pathway_id in folded.tracks])
