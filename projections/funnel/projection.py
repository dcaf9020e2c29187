"""Events -> one funnel row per pathway: when it first reached each phase, and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.vocabulary import CLOSED, Phase
from projections.funnel.view import COLUMNS, DDL
from projections.log import LoggedEvent
from projections.pathways.fold import Folding, freeze
from projections.pathways.rows import rows_by_id, upsert, utc_text
from projections.store import Tx

_UPSERT = upsert("funnel", (*COLUMNS, "fold"), ("id",))
_SELECT = f"SELECT {', '.join(COLUMNS)}, fold FROM {{funnel}} WHERE id IN {{ids}}"


class FunnelProjection:
    """``funnel``: phases reached per pathway, and the phase each dropout left from."""

    name = "funnel"
    version = 1
    tables = DDL

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        found = rows_by_id(tx, _SELECT, {str(logged.pathway_id) for logged in batch})
        rows: dict[str, dict[str, Any]] = {
            pathway_id: dict(zip((*COLUMNS, "fold"), row, strict=True))
            for pathway_id, row in found.items()}
        folding = Folding({pathway_id: row["fold"] for pathway_id, row in rows.items()})
        phases: dict[str, Phase] = {}
        for logged in batch:
            pathway_id = str(logged.pathway_id)
            was = phases.get(pathway_id)
            if was is None and (before := folding.track(pathway_id)) is not None:
                was = before.state.phase
            state = folding.step(logged, pathway_id).state
            row = rows.setdefault(pathway_id, {
                "id": pathway_id, "therapist": state.therapist_id,
                "protocol": state.protocol_id, "opened_at": utc_text(state.opened_at),
                **dict.fromkeys(COLUMNS[4:])})
            now = phases[pathway_id] = state.phase
            column = f"reached_{now}"
            if was is not None and now != was and column in row and row[column] is None:
                row[column] = utc_text(logged.event.occurred_at)
            if now == CLOSED and was != CLOSED:
                row["closed_reason"], row["closed_from"] = state.closed_reason, was
        tx.executemany(_UPSERT, [{**rows[pathway_id], "fold": freeze(track)}
                                 for pathway_id, track in folding.tracks.items()])
