"""Maintenance: sessions due in the next 7 days (overdue ones first), contracts, recurrences."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from projections.maintenance.view import DueSession, contracts, due_sessions, recurrences
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import pathway_code, plural, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

WITHIN_DAYS = 7
CHART_WEEKS = 6
"""The chart looks further ahead than the table, so a quiet week still shows what comes."""


def _week(due: DueSession, weeks: list[str]) -> str:
    return "Overdue" if due.overdue else weeks[1 + due.days_until // 7]


def _due_row(due: DueSession) -> list[Cell]:
    late = f"{-due.days_until} days overdue" if due.overdue else f"in {due.days_until} days"
    return [due.due_on.isoformat(), late, due.number, words(due.contract.frequency),
            due.contract.therapist, due.contract.protocol, pathway_code(due.contract.pathway_id)]


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    scope = filters.who()
    ahead = due_sessions(tx, now=now, days=7 * CHART_WEEKS - 1, **scope)
    due = [d for d in ahead if d.days_until < WITHIN_DAYS]
    active = contracts(tx, **scope)
    found = recurrences(tx, since=filters.since, until=filters.before, **scope)
    today = now.date()
    weeks = ["Overdue", *(f"From {(today + timedelta(days=7 * n)).isoformat()}"
                          for n in range(CHART_WEEKS))]
    per_week = Counter(_week(d, weeks) for d in ahead)
    overdue = per_week["Overdue"]
    summary = (f"{plural(len(due), 'maintenance session')} due within {WITHIN_DAYS} days"
               f" ({overdue} overdue) across {plural(len(active), 'active contract')};"
               f" {plural(len(found), 'suspected recurrence')}."
               + (f" The next session is due on {ahead[0].due_on.isoformat()}."
                  if ahead and not due else ""))
    return Content(
        summary=summary,
        chart=Chart(kind="bar", categories=weeks,
                    series=[Series(name="Sessions due", values=[per_week[w] for w in weeks])],
                    x_title=f"Due (the next {CHART_WEEKS} weeks, 7 days each)",
                    y_title="Maintenance sessions"),
        tables=[
            Table(caption=f"Maintenance sessions due within {WITHIN_DAYS} days, soonest first",
                  columns=["Due on", "When", "Session", "Frequency", "Therapist", "Protocol",
                           "Pathway code"],
                  rows=[_due_row(d) for d in due]),
            Table(caption="Active maintenance contracts by frequency",
                  columns=["Frequency", "Contracts"],
                  rows=[[words(f), n] for f, n in sorted(Counter(
                      c.frequency for c in active).items())]),
            Table(caption="Suspected recurrences (IPT-28), latest first",
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
