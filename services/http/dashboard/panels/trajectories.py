"""Symptom trajectories: mean PHQ-9 and GAD-7 by session, and the pathways not on track."""

from __future__ import annotations

from datetime import datetime

from domain.vocabulary import Instrument
from projections.outcomes.view import (
    NotOnTrack,
    TrajectoryPoint,
    mean_trajectory,
    not_on_track,
    not_on_track_count,
)
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import pathway_code, plural, words
from services.http.dashboard.shapes import Cell, Chart, Content, PanelSpec, Series, Table

INSTRUMENTS: tuple[tuple[Instrument, str], ...] = (("phq9", "PHQ-9"), ("gad7", "GAD-7"))
LISTED = 100
"""Pathways not on track listed, the longest past their review first; the summary counts all."""


def _label(session: int) -> str:
    return f"Session {session}" if session else "Baseline"


def _mean(point: TrajectoryPoint | None) -> float | None:
    return None if point is None else round(point.mean_total, 1)


def _off_track_row(pathway: NotOnTrack) -> list[Cell]:
    return [pathway_code(pathway.pathway_id), pathway.therapist, pathway.protocol,
            words(pathway.focus) if pathway.focus else None, pathway.sessions_held,
            pathway.phq9_baseline, pathway.phq9_latest, pathway.reviewed_at.date().isoformat()]


def _course(phq9: dict[int, TrajectoryPoint]) -> str:
    """Where the mean PHQ-9 starts and where it ends, in words."""
    start, end = phq9.get(0), phq9[max(phq9)] if phq9 else None
    if start is None or end is None:
        return "No PHQ-9 at baseline for these filters"
    return (f"Mean PHQ-9 {start.mean_total:.1f} at baseline"
            f" ({plural(start.pathways, 'pathway')}), {end.mean_total:.1f} at session"
            f" {end.session} ({plural(end.pathways, 'pathway')})")


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now
    scope = filters.scope()
    lines = {instrument: {p.session: p for p in mean_trajectory(tx, instrument=instrument,
                                                                 **scope)}
             for instrument, _ in INSTRUMENTS}
    sessions = sorted({session for points in lines.values() for session in points})
    listed = not_on_track(tx, limit=LISTED, **filters.who())
    off_track = not_on_track_count(tx, **filters.who())
    summary = f"{_course(lines['phq9'])}; {plural(off_track, 'active pathway')} not on track" \
              " at the session-8 review."
    shown = "" if off_track <= len(listed) else f" (the first {len(listed)} of {off_track})"
    return Content(
        summary=summary,
        chart=Chart(kind="line", categories=[_label(s) for s in sessions],
                    series=[Series(name=f"Mean {label}",
                                   values=[_mean(lines[instrument].get(s)) for s in sessions])
                            for instrument, label in INSTRUMENTS if lines[instrument]],
                    x_title="Acute sessions held when measured", y_title="Mean total"),
        tables=[
            Table(caption="Mean score by session (acute course; each pathway's first measure"
                          " there)",
                  columns=["Session", "PHQ-9 pathways", "Mean PHQ-9", "GAD-7 pathways",
                           "Mean GAD-7"],
                  rows=[[_label(s), *(cell for instrument, _ in INSTRUMENTS for cell in (
                      lines[instrument][s].pathways if s in lines[instrument] else 0,
                      _mean(lines[instrument].get(s))))] for s in sessions]),
            Table(caption="Active pathways not on track: no reliable PHQ-9 improvement by the"
                          f" session-8 review, the longest first{shown}",
                  columns=["Pathway code", "Therapist", "Protocol", "Focus", "Sessions held",
                           "PHQ-9 baseline", "PHQ-9 latest", "Reviewed on"],
                  rows=[_off_track_row(p) for p in listed]),
        ],
        note=("The date range selects the measures; pathways not on track are as of now."
              if filters.dated else None))


PANEL = PanelSpec(
    id="trajectories", title="Symptom trajectories", projection="outcomes", build=build,
    description="Mean PHQ-9 and GAD-7 by session over the acute course, and the pathways not"
                " on track at the session-8 review.")
