"""Events -> safety rows: one row per pathway (who treats it), one per flag.

A batch reads the pathways that raise or close and the flags of the pathways whose flags move,
once each, folds in memory and writes every changed row with one upsert per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.pathway import events as e
from projections.log import LoggedEvent
from projections.rows import (
    Rows,
    iso,
    of_types,
    opened_in,
    rows_by_pathway,
    select_by_pathway,
    upsert,
)
from projections.safety.view import NAME, TABLES
from projections.store import Tx

PATHWAY_COLUMNS = ("pathway_id", "therapist", "protocol", "closed_at")
FLAG_COLUMNS = ("pathway_id", "flag_id", "therapist", "protocol", "tier", "source", "item9",
                "raised_at", "acknowledged_at", "assessed_at", "resolved_at", "risk_level",
                "acknowledge_seconds", "assess_seconds", "resolved", "pathway_closed")
_UPSERT_PATHWAY = upsert("pathways", PATHWAY_COLUMNS, ("pathway_id",))
_UPSERT_FLAG = upsert("flags", FLAG_COLUMNS, ("pathway_id", "flag_id"))
_NEEDS_PATHWAY = (e.SafetyFlagRaised, e.PathwayClosed)
_MOVES_FLAGS = (e.SafetyFlagAcknowledged, e.RiskAssessmentRecorded, e.SafetyFlagResolved,
                e.PathwayClosed)
_RELEVANT = frozenset({e.PathwayOpened, e.SafetyFlagRaised, *_MOVES_FLAGS})
FlagKey = tuple[str, int]


def _since_raised(flag: dict[str, Any], at: datetime) -> float:
    return (at - datetime.fromisoformat(flag["raised_at"])).total_seconds()


class SafetyProjection:
    name = NAME
    version = 1
    tables = TABLES
    handles = _RELEVANT

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        relevant = of_types(batch, _RELEVANT)
        opened = opened_in(relevant)
        pathways: Rows = rows_by_pathway(tx, "pathways", PATHWAY_COLUMNS, {
            str(ev.originator_id) for ev in relevant if isinstance(ev, _NEEDS_PATHWAY)} - opened)
        flags: dict[FlagKey, dict[str, Any]] = {
            (row["pathway_id"], row["flag_id"]): row for row in select_by_pathway(
                tx, "flags", FLAG_COLUMNS, {str(ev.originator_id) for ev in relevant
                                            if isinstance(ev, _MOVES_FLAGS)} - opened)}
        changed_pathways: set[str] = set()
        changed_flags: set[FlagKey] = set()
        for event in relevant:
            pathway_id = str(event.originator_id)
            if isinstance(event, e.PathwayOpened):
                pathways[pathway_id] = {"pathway_id": pathway_id, "closed_at": None,
                                        "therapist": event.therapist_id,
                                        "protocol": event.protocol_id}
                changed_pathways.add(pathway_id)
            elif isinstance(event, e.PathwayClosed):
                pathways[pathway_id]["closed_at"] = iso(event.occurred_at)
                changed_pathways.add(pathway_id)
                for key, flag in flags.items():
                    if key[0] == pathway_id:
                        flag["pathway_closed"] = 1
                        changed_flags.add(key)
            elif isinstance(event, e.SafetyFlagRaised):
                key = (pathway_id, event.flag_id)
                flags[key] = _raised(pathways[pathway_id], event)
                changed_flags.add(key)
            else:
                moved: Any = event  # acknowledged, assessed or resolved: each names its flag
                key = (pathway_id, moved.flag_id)
                _moved(flags[key], moved)
                changed_flags.add(key)
        tx.executemany(_UPSERT_PATHWAY, [pathways[k] for k in sorted(changed_pathways)])
        tx.executemany(_UPSERT_FLAG, [flags[k] for k in sorted(changed_flags)])


def _raised(pathway: dict[str, Any], event: e.SafetyFlagRaised) -> dict[str, Any]:
    return dict.fromkeys(FLAG_COLUMNS) | {
        "pathway_id": pathway["pathway_id"], "flag_id": event.flag_id,
        "therapist": pathway["therapist"], "protocol": pathway["protocol"], "tier": event.tier,
        "source": event.source, "item9": event.item9, "raised_at": iso(event.occurred_at),
        "resolved": 0, "pathway_closed": 0}


def _moved(flag: dict[str, Any], event: Any) -> None:
    at = event.occurred_at
    if isinstance(event, e.SafetyFlagAcknowledged):
        flag.update(acknowledged_at=iso(at), acknowledge_seconds=_since_raised(flag, at))
    elif isinstance(event, e.RiskAssessmentRecorded):
        if flag["assessed_at"] is None:  # the wait ends at the first assessment
            flag.update(assessed_at=iso(at), assess_seconds=_since_raised(flag, at))
        flag["risk_level"] = event.risk_level
    else:
        flag.update(resolved_at=iso(at), resolved=1)
