"""Funnel: how many pathways reached each phase, and which phase each dropout left from."""

from __future__ import annotations

from datetime import datetime

from projections.funnel.view import funnel
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import phase_label, plural, share, words
from services.http.dashboard.shapes import Chart, Content, PanelSpec, Series, Table

STAGES = ("initial", "middle", "termination", "completed", "maintenance")
STAGE_LABELS = {"initial": "Opened", "middle": "Contract signed (middle)",
                "termination": "Ending (termination)", "completed": "Completed",
                "maintenance": "Maintenance"}


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now  # the funnel counts what happened; it does not age
    result = funnel(tx, therapist=filters.therapists, protocol=filters.protocol,
                    since=filters.since, until=filters.until)
    opened = result.reached.get("initial", 0)
    reached = [result.reached.get(stage, 0) for stage in STAGES]
    dropped = sum(result.dropped_out_from.values())
    summary = (f"Of {plural(opened, 'pathway')} opened, {result.reached.get('middle', 0)}"
               f" signed a contract, {result.reached.get('completed', 0)} completed the acute"
               f" course and {dropped} dropped out.")
    return Content(
        summary=summary,
        chart=Chart(kind="funnel", categories=[STAGE_LABELS[s] for s in STAGES],
                    series=[Series(name="Pathways", values=list(reached))],
                    x_title="Pathways", y_title="Phase reached"),
        tables=[
            Table(caption="Pathways that reached each phase",
                  columns=["Phase reached", "Pathways", "Share of opened"],
                  rows=[[STAGE_LABELS[s], n, share(n, opened)]
                        for s, n in zip(STAGES, reached, strict=True)]),
            Table(caption="Dropouts by the phase they left from",
                  columns=["Phase", "Dropouts"],
                  rows=[[phase_label(p), n] for p, n in result.dropped_out_from.items()]),
            Table(caption="Closed pathways by reason", columns=["Reason", "Pathways"],
                  rows=[[words(r), n] for r, n in result.closed_by_reason.items()]),
        ],
        note=None)


PANEL = PanelSpec(
    id="funnel", title="Funnel and dropout", projection="funnel", build=build,
    description="How many pathways reached each phase of the course, and where dropouts left.",
    note="Filtered by the date each pathway was opened.")
