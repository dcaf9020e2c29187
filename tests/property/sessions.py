"""The checks a held session must pass, given the history before it (IPT-01, 04, 05, 06, 07,
14, 15, 17, 22, 23, 30, 31 and 32)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from domain.pathway import events as e
from tests.property.records import Session, check
from tests.property.spec import MAX_GAP, MEASURE_EVERY, MEASURE_EVERY_SESSIONS

if TYPE_CHECKING:
    from tests.property.model import Model


def session_held(model: Model, ev: e.SessionHeld, deviated: frozenset[str]) -> None:
    """An acute or maintenance session, checked against the history before it."""
    if ev.phase == "maintenance":
        maintenance_session(model, ev)
    else:
        acute_session(model, ev, deviated)
    model.consecutive_misses = 0
    model.outreach_due = False


def check_consent(model: Model, ev: e.SessionHeld) -> None:
    """IPT-32: treatment consent (ipt-a: the guardian's too), telehealth for video/phone."""
    if ev.kind == "safety":
        return
    people = ("client", "guardian") if model.spec.id == "ipt-a" else ("client",)
    needed = ("treatment", "telehealth") if ev.channel in ("video", "phone") else (
        "treatment",)
    missing = [f"{who}:{kind}" for who in people for kind in needed
               if not model.consents.get(f"{who}:{kind}")]
    check(not missing, f"IPT-32: routine {ev.channel} session {ev.number} without"
          f" {missing}")


def check_safety(model: Model, ev: e.SessionHeld) -> None:
    check_consent(model, ev)
    if ev.kind == "routine":
        waiting = [i for i, f in model.flags.items()
                   if not f.resolved and not (f.acknowledged and f.assessed)]
        check(not waiting, f"IPT-17: routine session with flag(s) {waiting} not"
              " acknowledged and assessed")


def maintenance_session(model: Model, ev: e.SessionHeld) -> None:
    held = model.maintenance_sessions
    check(model.phase == "maintenance", f"maintenance session in phase {model.phase}")
    check(ev.number == len(held) + 1, f"IPT-30: maintenance session {ev.number} after"
          f" {len(held)}")
    assert model.maintenance_sessions_contracted is not None
    check(ev.number <= model.maintenance_sessions_contracted,
          "IPT-04: maintenance sessions exceed the maintenance contract")
    check(not model.sessions or ev.occurred_at >= model.sessions[-1].at,
          "IPT-30: maintenance session held before the last acute session")
    check(not held or ev.occurred_at >= held[-1].at, "IPT-30: maintenance sessions out of"
          " chronological order")
    check_safety(model, ev)
    held.append(Session(ev.number, ev.occurred_at, ev.phase, ev.focus_addressed,
                        ev.parent_present))


def acute_session(model: Model, ev: e.SessionHeld,  # noqa: PLR0912
                  deviated: frozenset[str]) -> None:
    spec, contract, held = model.spec, model.contract, model.sessions
    number, at = ev.number, ev.occurred_at
    check(model.phase in ("initial", "middle", "termination"),
          f"acute session {number} in phase {model.phase}")
    check(number == len(held) + 1, f"IPT-30: session {number} after {len(held)} sessions")
    check(not held or at >= held[-1].at, f"IPT-30: session {number} before session"
          f" {number - 1}")
    check(ev.phase == model.session_phase(number), f"session {number} recorded as"
          f" {ev.phase}, the contract makes it {model.session_phase(number)}")
    if contract is None:
        check(ev.focus_addressed is None, "IPT-01: a focused session before the contract")
    else:
        check(number <= contract["sessions"], f"IPT-04: session {number} of"
              f" {contract['sessions']}")
        window_end = contract["start"] + timedelta(weeks=contract["weeks"])
        check(at.date() <= window_end, "IPT-22: session after the course window")
    first_out_of_initial = ev.phase != "initial" and all(s.phase == "initial" for s in held)
    if first_out_of_initial:
        missing = [name for name, met in (
            ("diagnosis", model.diagnosis), ("baseline", bool(model.measures)),
            ("sick role", model.sick_role), ("inventory", model.inventory is not None),
            ("medication need", model.medication), ("formulation", model.formulation),
            ("agreed focus", bool(model.focus and model.focus[1])),
            ("contract", contract is not None)) if not met]
        check(not missing, f"IPT-07: left the initial phase without {missing}")
    if ev.phase != "initial":
        check(model.measures, "IPT-15: no measure before a middle-phase session")
        latest = model.measures[-1]
        initial = [s for s in held if s.phase == "initial"]
        if first_out_of_initial and initial:
            check(latest.at >= initial[-1].at, "IPT-15: no measure at the end of the"
                  " initial phase")
        check(len(held) - latest.sessions_before < MEASURE_EVERY_SESSIONS,
              "IPT-15: more than 4 sessions without a measure")
        check(at - latest.at <= MEASURE_EVERY, "IPT-15: measure older than 28 days")
    check_safety(model, ev)
    if contract is not None and number == contract["sessions"]:
        start = spec.ending_start(contract["sessions"])
        discussed = model.termination_discussed_at
        check(discussed is not None and discussed <= start,
              f"IPT-23: final session with the ending discussed at {discussed}, due by"
              f" {start}")
        if spec.id == "ipt-a":
            check(ev.parent_present or any(s.parent for s in held if s.number >= start),
                  "IPT-31: ipt-a ending without a parent present")
        if spec.id == "dit":
            check(model.goodbye_letter, "IPT-31: dit final session before the goodbye letter")
    if spec.id == "ipt-a" and number == 1:
        check(ev.parent_present, "IPT-31: ipt-a session 1 without a parent")
    if spec.id == "dit" and number > 4:
        check(model.focus and model.focus[1], "IPT-31: dit IPAF not agreed by session 4")
    expected = set()
    if held and at - held[-1].at > MAX_GAP:
        expected.add("IPT-05")
    if ev.phase == "initial" and number > spec.initial_cap:
        expected.add("IPT-06")
    if ev.phase == "middle" and contract and ev.focus_addressed not in contract["foci"]:
        expected.add("IPT-14")
    check(expected <= deviated <= expected | {"IPT-16"}, f"session {number}: deviations"
          f" {sorted(deviated)}, spec says {sorted(expected)} (IPT-16 optional)")
    held.append(Session(number, at, ev.phase, ev.focus_addressed, ev.parent_present))

