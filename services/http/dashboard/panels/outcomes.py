"""Outcomes: response and remission at completion, reliable improvement, not on track."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from projections.outcomes.view import OutcomeGroup, outcome_summaries
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import plural, rate, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table


def _remission(group: OutcomeGroup) -> int:
    return group.remission


def _response_only(group: OutcomeGroup) -> int:
    """The view counts remission as a response too; the chart stacks them apart."""
    return group.response - group.remission


def _partial(group: OutcomeGroup) -> int:
    return group.partial


def _no_response(group: OutcomeGroup) -> int:
    return group.no_response


OUTCOMES: tuple[tuple[str, Callable[[OutcomeGroup], int]], ...] = (
    ("Remission", _remission), ("Response", _response_only), ("Partial", _partial),
    ("No response", _no_response))


def _outcome_row(group: OutcomeGroup, label: str | None = None) -> list[Cell]:
    return [label or group.key or "All", group.completed,
            *(count(group) for _, count in OUTCOMES),
            rate(group.remission_rate), rate(group.response_rate)]


def _change_row(group: OutcomeGroup) -> list[Cell]:
    return [group.key or "All", group.phq9_paired, group.phq9_improved, group.phq9_deteriorated,
            group.gad7_paired, group.gad7_improved, group.gad7_deteriorated]


def _track_row(group: OutcomeGroup) -> list[Cell]:
    return [group.key or "All", group.reviewed, group.not_on_track, rate(group.not_on_track_rate)]


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now
    scope = filters.scope()
    summaries = outcome_summaries(tx, **scope)
    overall, by_protocol = summaries.everyone, summaries.by_protocol
    by_therapist = summaries.by_therapist
    summary = (f"{plural(overall.completed, 'pathway')} completed the acute course:"
               f" remission {rate(overall.remission_rate)},"
               f" response {rate(overall.response_rate)};"
               f" {overall.not_on_track} of {overall.reviewed} reviewed at session 8 were not"
               " on track.")
    groups = [overall, *by_protocol]
    outcome_columns = ["Group", "Completed", *(label for label, _ in OUTCOMES),
                       "Remission rate", "Response rate"]
    return Content(
        summary=summary.replace("None", "none yet"),
        chart=Chart(kind="stacked", categories=[g.key or "All" for g in by_protocol],
                    series=[Series(name=label, values=[count(g) for g in by_protocol])
                            for label, count in OUTCOMES],
                    x_title="Protocol", y_title="Completed pathways"),
        tables=[
            Table(caption="Outcome at completion, by protocol", columns=outcome_columns,
                  rows=[_outcome_row(g) for g in groups]),
            Table(caption="Outcome at completion, by therapist", columns=outcome_columns,
                  rows=[_outcome_row(g) for g in by_therapist]),
            Table(caption="Outcome at completion, by focus (problem area)",
                  columns=outcome_columns,
                  rows=[_outcome_row(g, words(g.key) if g.key else "No focus chosen")
                        for g in summaries.by_focus]),
            Table(caption="Reliable change at completion (PHQ-9 by 6 points, GAD-7 by 4)",
                  columns=["Group", "PHQ-9 pairs", "PHQ-9 improved", "PHQ-9 deteriorated",
                           "GAD-7 pairs", "GAD-7 improved", "GAD-7 deteriorated"],
                  rows=[_change_row(g) for g in groups]),
            Table(caption="Not on track at the session-8 review (no reliable improvement)",
                  columns=["Group", "Reviewed", "Not on track", "Rate"],
                  rows=[_track_row(g) for g in [*groups, *by_therapist]]),
        ])


PANEL = PanelSpec(
    id="outcomes", title="Outcomes", projection="outcomes", build=build,
    description="Response and remission at completion, reliable improvement, and pathways"
                " not on track by session 8, by protocol, therapist and focus.",
    note="Completions are filtered by their completion date, reviews by the review's date.")
