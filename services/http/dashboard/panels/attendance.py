"""Attendance: sessions held, no-shows and late cancellations per week, and waiting times."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from projections.attendance.view import WeekAttendance, waiting_times, weekly_attendance
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import days, plural, share
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

KINDS = (("held", "Held"), ("no_shows", "No-shows"), ("late_cancellations", "Late cancellations"),
         ("cancelled_by_therapist", "Cancelled by therapist"))


def _totals(weeks: list[WeekAttendance], key: str) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(KINDS))
    for week in weeks:
        row = totals[week.week_start.isoformat() if key == "week" else week.therapist]
        for index, (kind, _) in enumerate(KINDS):
            row[index] += getattr(week, kind)
    return dict(sorted(totals.items()))


def _rows(totals: dict[str, list[int]]) -> list[list[Cell]]:
    return [[name, *counts, share(counts[1], sum(counts)), share(counts[2], sum(counts))]
            for name, counts in totals.items()]


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now  # counts of what happened, by the clinical week it happened in
    weeks = weekly_attendance(tx, therapist=filters.therapists, protocol=filters.protocol,
                              since=filters.since, until=filters.until)
    waits = waiting_times(tx, therapist=filters.therapists, protocol=filters.protocol,
                          since=filters.since, until=filters.until)
    by_week, by_therapist = _totals(weeks, "week"), _totals(weeks, "therapist")
    held, no_shows, late = (sum(row[i] for row in by_week.values()) for i in range(3))
    booked = sum(sum(row) for row in by_week.values())
    columns = [*(label for _, label in KINDS), "No-show rate", "Late cancellation rate"]
    first, contract = waits.to_first_session, waits.to_contract
    summary = (f"{plural(held, 'session')} held over {plural(len(by_week), 'week')};"
               f" no-shows {share(no_shows, booked) or 'none'}, late cancellations"
               f" {share(late, booked) or 'none'} of appointments. Referral to first session: "
               + (f"median {days(first.median_days)} days." if first.count else "none yet."))
    return Content(
        summary=summary,
        chart=Chart(kind="stacked", categories=list(by_week),
                    series=[Series(name=label, values=[row[i] for row in by_week.values()])
                            for i, (_, label) in enumerate(KINDS)],
                    x_title="Week starting (Monday)", y_title="Appointments"),
        tables=[
            Table(caption="Appointments by week", columns=["Week starting", *columns],
                  rows=_rows(by_week)),
            Table(caption="Appointments by therapist", columns=["Therapist", *columns],
                  rows=_rows(by_therapist)),
            Table(caption="Days from referral", columns=["From referral to", "Pathways",
                                                          "Median days", "90th percentile"],
                  rows=[["First session", first.count, days(first.median_days),
                         days(first.p90_days)],
                        ["Signed contract", contract.count, days(contract.median_days),
                         days(contract.p90_days)]]),
        ])


PANEL = PanelSpec(
    id="attendance", title="Weekly attendance", projection="attendance", build=build,
    description="Sessions held, no-shows and late cancellations per week; time from referral"
                " to first session and to contract.",
    note="Weeks are filtered by their Monday; waiting times by the referral date.")
