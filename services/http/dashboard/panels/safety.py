"""Safety: every open flag by tier and age (oldest urgent first), and how fast flags were seen."""

from __future__ import annotations

from datetime import datetime

from projections.safety.view import OpenFlag, Waits, open_flag_ages, open_flags, response_times
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import age, pathway_code, plural, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

TIERS = (("urgent", "Urgent"), ("routine", "Routine"))
BUCKETS = ((24 * 3600, "Under 1 day"), (3 * 24 * 3600, "1 to 3 days"),
           (7 * 24 * 3600, "3 to 7 days"), (None, "Over 7 days"))
"""Age bands: under each number of seconds, the last one older than the one before it."""
LISTED = 100
"""Open flags listed in the table, the most pressing first; the chart and the summary count
every one."""


def _flag_row(flag: OpenFlag) -> list[Cell]:
    return [f"{pathway_code(flag.pathway_id)} flag {flag.flag_id}", flag.tier.capitalize(),
            age(flag.age_seconds), words(flag.status), flag.raised_at.date().isoformat(),
            words(flag.source), flag.therapist, flag.protocol,
            "closed" if flag.pathway_closed else "open"]


def _wait_row(step: str, waits: Waits, waiting: int) -> list[Cell]:
    return [step, waits.count, age(waits.p50_seconds), age(waits.p95_seconds), waiting]


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    who = filters.who()
    flags = open_flags(tx, now=now, limit=LISTED, **who)
    ages = open_flag_ages(tx, now=now, under_seconds=[s for s, _ in BUCKETS if s], **who)
    times = response_times(tx, since=filters.since, until=filters.before, **who)
    counts = {tier: sum(n for (t, _), n in ages.items() if t == tier) for tier, _ in TIERS}
    total = sum(ages.values())
    first = flags[0] if flags else None
    oldest = (f" The oldest urgent flag is {age(first.age_seconds)} old."
              if first is not None and first.tier == "urgent" else "")
    summary = (f"{plural(total, 'open flag')}: {counts['urgent']} urgent,"
               f" {counts['routine']} routine.{oldest}")
    listed = ("urgent first, oldest first" if total <= len(flags) else
              f"the {len(flags)} most pressing of {total}: urgent first, oldest first")
    return Content(
        summary=summary,
        chart=Chart(kind="bar", categories=[label for _, label in BUCKETS],
                    series=[Series(name=label, values=[
                        ages.get((tier, band), 0) for band in range(len(BUCKETS))])
                        for tier, label in TIERS],
                    x_title="Open for", y_title="Open flags"),
        tables=[
            Table(caption=f"Open safety flags, {listed}",
                  columns=["Flag (pathway code)", "Tier", "Open for", "Status", "Raised on",
                           "Source", "Therapist", "Protocol", "Pathway"],
                  rows=[_flag_row(flag) for flag in flags]),
            Table(caption="Time from raising a flag to each step (clinical time)",
                  columns=["Step", "Flags that took it", "Median", "95th percentile",
                           "Still waiting"],
                  rows=[_wait_row("Acknowledged", times.acknowledge,
                                  times.waiting_acknowledgement),
                        _wait_row("Risk assessed", times.assess, times.waiting_assessment)]),
        ],
        note=("Open flags are as of now; the date range selects the flags whose response"
              " times are counted." if filters.dated else None))


PANEL = PanelSpec(
    id="safety", title="Safety flags", projection="safety", build=build, tables_open=True,
    table_label="Open flags and response times",
    description="Open safety flags by tier and age, oldest urgent first, and how long flags"
                " waited to be acknowledged and assessed.")
