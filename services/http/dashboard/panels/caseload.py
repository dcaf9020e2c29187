"""Caseload: active pathways per therapist by phase and protocol, and what is overdue."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from projections.caseload.view import CaseloadCell, caseload
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import phase_label, plural
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

PHASES = ("initial", "middle", "termination", "completed", "maintenance")


def _by(cells: list[CaseloadCell], key: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PHASES, 0))
    for cell in cells:
        row = counts[getattr(cell, key)]
        row[cell.phase] = row.get(cell.phase, 0) + cell.active
    return dict(sorted(counts.items()))


def _phase_table(caption: str, first: str, counts: dict[str, dict[str, int]]) -> Table:
    rows: list[list[Cell]] = [[name, *(row[p] for p in PHASES), sum(row.values())]
                              for name, row in counts.items()]
    return Table(caption=caption, columns=[first, *map(phase_label, PHASES), "Total"], rows=rows)


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    cells = caseload(tx, as_of=now, therapist=filters.therapists, protocol=filters.protocol)
    by_therapist = _by(cells, "therapist")
    overdue: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell in cells:
        row = overdue[cell.therapist]
        row[0] += cell.outreach_due
        row[1] += cell.measure_overdue
        row[2] += cell.unacknowledged_flag
    active = sum(cell.active for cell in cells)
    therapists = list(by_therapist)
    summary = (f"{plural(active, 'active pathway')} across {plural(len(therapists), 'therapist')};"
               f" {sum(r[0] for r in overdue.values())} with outreach due,"
               f" {sum(r[1] for r in overdue.values())} with a measure overdue.")
    return Content(
        summary=summary,
        chart=Chart(kind="stacked", categories=therapists,
                    series=[Series(name=phase_label(p),
                                   values=[by_therapist[t][p] for t in therapists])
                            for p in PHASES],
                    x_title="Therapist", y_title="Active pathways"),
        tables=[
            _phase_table("Active pathways by therapist and phase", "Therapist", by_therapist),
            _phase_table("Active pathways by protocol and phase", "Protocol",
                         _by(cells, "protocol")),
            Table(caption="Overdue items by therapist (pathways)",
                  columns=["Therapist", "Outreach due", "Measure overdue",
                           "Unacknowledged flag"],
                  rows=[[t, *overdue[t]] for t in sorted(overdue)]),
        ],
        note=("The caseload is as of now: the date range does not apply to it."
              if filters.since or filters.until else None))


def therapists(tx: Tx, now: datetime) -> list[str]:
    """Every therapist with an active pathway (the filter form's choices)."""
    return sorted({cell.therapist for cell in caseload(tx, as_of=now)})


PANEL = PanelSpec(
    id="caseload", title="Caseload by phase and therapist", projection="caseload", build=build,
    description="Active pathways per therapist, by phase and protocol, with overdue items.")
