"""The checks on the way out of a course, given the history before them: missed sessions
(IPT-21), the ending (IPT-23), completion (IPT-24, 25), maintenance (IPT-26, 27) and closure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.pathway import events as e
from tests.property.records import check
from tests.property.spec import (
    CLOSE_REASONS,
    MAINTENANCE_FREQUENCIES,
    NON_RESPONDER_STEPS,
    spec_outcome,
)

if TYPE_CHECKING:
    from tests.property.model import Model


def session_missed(model: Model, ev: e.SessionMissed, deviated: frozenset[str]) -> None:
    check(model.phase not in ("completed", "closed"), f"session missed in {model.phase}")
    client = ev.kind != "cancelled_by_therapist"
    expected = {"IPT-21"} if client and model.outreach_due else set()
    check(deviated == expected, f"missed session: deviations {sorted(deviated)}, spec says"
          f" {sorted(expected)}")
    if client:
        model.client_misses += 1
        model.consecutive_misses += 1
        model.outreach_due = (model.consecutive_misses >= 2 or model.client_misses >= 3
                              or bool(model.open_flags()))


def termination_discussed(model: Model, ev: e.TerminationDiscussed, _: frozenset[str]) -> None:
    check(model.contract is not None and model.phase in ("middle", "termination"),
          f"termination discussed in {model.phase}")
    check(len(model.sessions) <= ev.at_session <= len(model.sessions) + 1,
          f"termination discussed at session {ev.at_session} with {len(model.sessions)}"
          " held (the latest session or the next)")
    if model.termination_discussed_at is None:
        model.termination_discussed_at = ev.at_session


def goodbye_letter_shared(model: Model, ev: e.GoodbyeLetterShared, _: frozenset[str]) -> None:
    check(model.spec.id == "dit" and model.phase in ("middle", "termination"),
          "goodbye letter outside a dit acute course")
    model.goodbye_letter = True


def acute_course_completed(model: Model, ev: e.AcuteCourseCompleted,
                           _: frozenset[str]) -> None:
    contract = model.contract
    check(contract is not None and model.phase in ("middle", "termination"),
          f"acute course completed in {model.phase}")
    assert contract is not None
    check(len(model.sessions) == contract["sessions"], "IPT-24: completed before the final"
          " session")
    check(any(s.phase != "initial" for s in model.sessions),
          "IPT-07: completed without leaving the initial phase")
    baseline = model.measures[0]
    check(ev.instrument == baseline.instrument and ev.baseline_total == baseline.total,
          "completion baseline is not the first measure")
    final = next(m for m in reversed(model.measures) if m.instrument == ev.instrument)
    check(final is not baseline and final.at >= model.sessions[-1].at,
          "IPT-15: no measure at the final acute session")
    check(ev.final_total == final.total, "completion final total is not the last measure")
    start = model.spec.ending_start(contract["sessions"])
    discussed = model.termination_discussed_at
    check(discussed is not None and discussed <= start, "IPT-23: acute course"
          " completed without the ending discussed by the final contract's window")
    if model.spec.id == "ipt-a":
        check(any(s.parent for s in model.sessions if s.number >= start),
              "IPT-31: ipt-a course completed without a parent in the ending")
    expected = spec_outcome(ev.instrument, ev.baseline_total, ev.final_total)
    check(ev.outcome == expected, f"outcome {ev.outcome}, spec computes {expected}")
    check(ev.relapse_prevention_plan_ref and ev.next_step, "IPT-24: plan and next step")
    if ev.outcome in ("partial", "none"):
        check(ev.next_step in NON_RESPONDER_STEPS, f"IPT-25: {ev.outcome} -> {ev.next_step}")
    if ev.next_step == "maintenance":
        check(ev.outcome == "remission", "IPT-26: maintenance next step without remission")
    model.outcome = ev.outcome


def maintenance_scheduled(model: Model, ev: e.MaintenanceScheduled, _: frozenset[str]) -> None:
    check(model.phase == "completed" and model.outcome == "remission",
          f"IPT-26: maintenance scheduled in {model.phase} after {model.outcome}")
    check(ev.frequency in MAINTENANCE_FREQUENCIES, f"IPT-27: {ev.frequency}")
    months = ev.sessions / MAINTENANCE_FREQUENCIES[ev.frequency]
    check(1 <= months <= 36, f"IPT-03: maintenance of {months} months")
    model.maintenance_sessions_contracted = ev.sessions


def pathway_closed(model: Model, ev: e.PathwayClosed, _: frozenset[str]) -> None:
    check(ev.reason in CLOSE_REASONS, f"close reason {ev.reason}")
    if ev.reason == "discharged":
        check(model.phase in ("completed", "maintenance"), f"IPT-25: discharged in"
              f" {model.phase}, before the acute course completed")
    if ev.reason == "maintenance_ended":
        check(model.phase == "maintenance", f"maintenance_ended in {model.phase}")
    model.closed = True

