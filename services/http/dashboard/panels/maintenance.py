"""Maintenance: sessions due in the next 7 days (overdue ones first), contracts, recurrences."""

from __future__ import annotations

from datetime import datetime, timedelta

from projections.maintenance.view import (
    DueSession,
    contract_counts,
    due_counts,
    due_sessions,
    recurrence_count,
    recurrences,
)
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import pathway_code, plural, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

WITHIN_DAYS = 7
CHART_WEEKS = 6
"""The chart looks further ahead than the table, so a quiet week still shows what comes."""
LISTED = 100
"""Rows listed in each table, the soonest (or latest) first; the summary and the chart count
every one."""


def _due_row(due: DueSession) -> list[Cell]:
    late = f"{-due.days_until} days overdue" if due.overdue else f"in {due.days_until} days"
    return [due.due_on.isoformat(), late, due.number, words(due.contract.frequency),
            due.contract.therapist, due.contract.protocol, pathway_code(due.contract.pathway_id)]


def _of(listed: int, total: int) -> str:
    return "" if total <= listed else f" (the first {listed} of {total})"


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    who = filters.who()
    per_week = due_counts(tx, now=now, weeks=CHART_WEEKS, **who)  # overdue, then each week
    overdue, due_count = per_week[0], per_week[0] + per_week[1]
    due = due_sessions(tx, now=now, days=WITHIN_DAYS - 1, limit=LISTED, **who)
    active = contract_counts(tx, **who)
    dated = {"since": filters.since, "until": filters.before}
    found = recurrences(tx, limit=LISTED, **dated, **who)
    recurred = recurrence_count(tx, **dated, **who)
    today = now.date()
    weeks = ["Overdue", *(f"From {(today + timedelta(days=7 * n)).isoformat()}"
                          for n in range(CHART_WEEKS))]
    quiet = due_count == 0 and sum(per_week) > 0  # none this week: say when the next is
    ahead = due_sessions(tx, now=now, days=7 * CHART_WEEKS - 1, limit=1, **who) if quiet else []
    summary = (f"{plural(due_count, 'maintenance session')} due within {WITHIN_DAYS} days"
               f" ({overdue} overdue) across {plural(sum(active.values()), 'active contract')};"
               f" {plural(recurred, 'suspected recurrence')}."
               + (f" The next session is due on {ahead[0].due_on.isoformat()}."
                  if ahead else ""))
    return Content(
        summary=summary,
        chart=Chart(kind="bar", categories=weeks,
                    series=[Series(name="Sessions due", values=list(per_week))],
                    x_title=f"Due (the next {CHART_WEEKS} weeks, 7 days each)",
                    y_title="Maintenance sessions"),
        tables=[
            Table(caption=f"Maintenance sessions due within {WITHIN_DAYS} days, soonest first"
                          + _of(len(due), due_count),
                  columns=["Due on", "When", "Session", "Frequency", "Therapist", "Protocol",
                           "Pathway code"],
                  rows=[_due_row(d) for d in due]),
            Table(caption="Active maintenance contracts by frequency",
                  columns=["Frequency", "Contracts"],
                  rows=[[words(f), n] for f, n in sorted(active.items())]),
            Table(caption="Suspected recurrences (IPT-28), latest first"
                          + _of(len(found), recurred),
                  columns=["Recorded on", "Measure", "Total", "Threshold", "Therapist",
                           "Pathway code"],
                  rows=[[r.occurred_at.date().isoformat(), r.instrument.upper(), r.total,
                         r.threshold, r.therapist, pathway_code(r.pathway_id)]
                        for r in found]),
        ],
        note=("Sessions due are as of today; the date range selects the recurrences."
              if filters.dated else None))


PANEL = PanelSpec(
    id="maintenance", title="Maintenance due", projection="maintenance", build=build,
    description="Maintenance sessions due in the next 7 days (and the weeks after), active"
                " contracts and suspected recurrences.")
