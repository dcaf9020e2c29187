"""Structural fidelity: deviations by rule id (each linked to its sentence) and the indicators."""

from __future__ import annotations

from datetime import datetime

from projections.fidelity.view import FidelityGroup, deviations_by_rule, fidelity_summaries
from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.dashboard.panels.words import plural, rate
from services.http.dashboard.rules import BY_ID, rule_href
from services.http.dashboard.shapes import Cell, Chart, Content, Link, PanelSpec, Series, Table

STRUCTURAL = "Structural fidelity: read from the record, not observed in the room."


def _of(part: int, whole: int, share: float | None) -> str | None:
    return None if not whole else f"{part} of {whole} ({rate(share)})"


def _row(group: FidelityGroup) -> list[Cell]:
    return [group.key or "All", group.pathways,
            _of(group.initial_within_cap, group.initial_decided, group.initial_within_cap_rate),
            _of(group.ending_in_time, group.ending_decided, group.ending_in_time_rate),
            _of(group.cadence_met, group.cadence_decided, group.cadence_met_rate),
            group.deviations, group.renegotiations]


def build(tx: Tx, filters: Filters, now: datetime) -> Content:
    del now
    scope = filters.scope()
    deviations = deviations_by_rule(tx, **scope)
    summaries = fidelity_summaries(tx, **scope)
    groups = [summaries.everyone, *summaries.by_protocol, *summaries.by_therapist]
    total = sum(d.deviations for d in deviations)
    top = f", most often {deviations[0].rule}." if deviations else "."
    summary = f"{plural(total, 'deviation')} recorded under {plural(len(deviations), 'rule')}{top}"
    return Content(
        summary=summary,
        chart=Chart(kind="bar", categories=[d.rule for d in deviations],
                    series=[Series(name="Deviations", values=[d.deviations for d in deviations])],
                    x_title="Rule", y_title="Deviations recorded"),
        tables=[
            Table(caption="Deviations by rule (each rule links to what it asks)",
                  columns=["Rule", "What the rule asks", "Deviations", "Pathways"],
                  rows=[[Link(text=d.rule, href=rule_href(d.rule)),
                         BY_ID[d.rule].sentence if d.rule in BY_ID else None,
                         d.deviations, d.pathways] for d in deviations]),
            Table(caption="Fidelity indicators by protocol and therapist",
                  columns=["Group", "Pathways", "Initial phase within the cap (IPT-06)",
                           "Ending discussed in time (IPT-23)",
                           "Measures every 4 sessions (IPT-15)", "Deviations",
                           "Renegotiations"],
                  rows=[_row(g) for g in groups]),
        ])


PANEL = PanelSpec(
    id="fidelity", title="Structural fidelity", projection="fidelity", build=build,
    description="Deviations from the IPT rules by rule id, and whether the initial phase, the"
                " ending and the measurement cadence kept to the protocol.",
    note=STRUCTURAL)
