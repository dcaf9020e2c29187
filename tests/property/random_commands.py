"""Random commands: any command of the catalogue, with parameters drawn near the plausible
values (session numbers around the next one, item scores in and slightly out of range, foci
from the problem areas, reasons present or absent, sometimes backdated)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from domain.pathway import commands as c
from domain.pathway.state import PathwayState
from tests.journeys import CONTINGENCIES
from tests.property.parameters import INVENTORIES, REASON, VECTORS, signatures
from tests.property.planner import CommandAt
from tests.property.spec import ALL_AREAS, CLOSE_REASONS, INSTRUMENTS, Spec


def random_items(data: st.DataObject) -> tuple[str, tuple[int, ...]]:
    """A realistic vector, item 9 varied, sometimes one item off or out of range, or short."""
    instrument = data.draw(st.sampled_from(["phq9", "phq9", "phq9", "gad7", "hamd17"]))
    item_max = INSTRUMENTS[instrument][0]
    vectors = VECTORS[instrument]
    items = list(vectors[data.draw(st.sampled_from(sorted(vectors)), label="vector")])
    if instrument == "phq9":
        items[8] = data.draw(st.sampled_from([0, 0, 0, 1, 2, 3]), label="item 9")
    oops = data.draw(st.sampled_from(["ok"] * 4 + ["tweak", "tweak", "low", "high", "short"]),
                     label="oops")
    if oops == "short":
        items = items[:-1]
    elif oops != "ok":
        index = data.draw(st.integers(0, len(items) - 1), label="item")
        items[index] = {"low": -1, "high": item_max[index] + 1}.get(
            oops, data.draw(st.integers(0, item_max[index]), label="score"))
    return instrument, tuple(items)


RANDOM_KINDS = (
    "session", "session", "session", "measure", "measure", "missed", "missed", "focus",
    "contract", "renegotiate", "renegotiate", "discuss", "complete", "maintenance",
    "safety_session", "raise_flag", "acknowledge", "assess", "resolve", "consent", "withdraw",
    "diagnosis", "sick_role", "medication", "inventory", "formulation", "letter", "close",
)


def hot_kinds(s: PathwayState) -> tuple[str, ...]:
    """Commands a clinician is likely to get wrong just now: drawn more often."""
    hot: list[str] = []
    if any(not (f.acknowledged and f.assessed) for f in s.open_flags):
        hot += ["resolve", "session", "acknowledge", "assess"]
    hot += {
        "initial": ["contract", "focus", "session", "inventory"],
        "middle": ["session", "discuss", "renegotiate", "missed"],
        "termination": ["session", "discuss", "complete", "renegotiate"],
        "completed": ["maintenance", "session", "missed", "close"],
        "maintenance": ["session", "measure", "missed", "close"],
    }.get(s.phase, [])
    if s.contract is not None and s.sessions_held >= s.contract.sessions:
        hot += ["session", "complete"]
    return tuple(hot)

def random_command(s: PathwayState, spec: Spec, clock: datetime,  # noqa: PLR0911, PLR0912
                   data: st.DataObject) -> CommandAt:
    """Any command of the catalogue, its parameters drawn near the plausible values."""
    draw = data.draw
    kind = draw(st.sampled_from(RANDOM_KINDS + hot_kinds(s) * 3), label="command")
    backdate = draw(st.sampled_from([0, 0, 0, 0, 3, 30]), label="backdate days")
    reason = draw(st.sampled_from([None, REASON, None]), label="reason") if kind in (
        "focus", "renegotiate", "session", "missed") else None

    def make(cls: type[c.Command], **fields: Any) -> CommandAt:
        return lambda at: cls(occurred_at=at - timedelta(days=backdate), **fields)

    flag_id = draw(st.integers(1, len(s.flags) + 1), label="flag") if kind in (
        "acknowledge", "assess", "resolve") else 0
    if kind in ("consent", "withdraw"):
        cls = c.RecordConsent if kind == "consent" else c.WithdrawConsent
        return make(cls, kinds=draw(st.sampled_from([("treatment",), ("telehealth",),
                                                     ("treatment", "recording")])),
                    given_by=draw(st.sampled_from(["client", "guardian"])))
    if kind == "diagnosis":
        return make(c.RecordDiagnosis, icd10=draw(st.sampled_from(["F32.1", "F33.2"])),
                    severity=draw(st.sampled_from(["mild", "moderate", "severe"])))
    if kind == "measure":
        instrument, items = random_items(data)
        return make(c.RecordMeasure, instrument=instrument, items=items)
    if kind == "raise_flag":
        return make(c.RaiseSafetyFlag, tier=draw(st.sampled_from(["routine", "urgent"])),
                    source=draw(st.sampled_from(["clinician", "client_report"])))
    if kind == "acknowledge":
        return make(c.AcknowledgeSafetyFlag, flag_id=flag_id)
    if kind == "assess":
        return make(c.RecordRiskAssessment, flag_id=flag_id, safety_plan_ref="plan/s-1",
                    risk_level=draw(st.sampled_from(["low", "moderate", "high"])))
    if kind == "resolve":
        return make(c.ResolveSafetyFlag, flag_id=flag_id)
    if kind == "sick_role":
        return make(c.AssignSickRole)
    if kind == "medication":
        return make(c.AssessMedicationNeed, outcome=draw(st.sampled_from(
            ["not_indicated", "referred_to_prescriber", "declined"])))
    if kind == "inventory":
        return make(c.RecordInventory, relationships=INVENTORIES[draw(st.sampled_from(
            sorted(INVENTORIES)), label="inventory")])
    if kind == "formulation":
        return make(c.ShareFormulation, problem_area=draw(st.sampled_from(ALL_AREAS)),
                    formulation_ref="doc/f-2")
    if kind == "focus":
        primary = draw(st.sampled_from(ALL_AREAS), label="primary")
        secondary = draw(st.sampled_from([None, None, *ALL_AREAS]), label="secondary")
        return make(c.ChooseFocus, primary=primary, secondary=secondary,
                    rationale_ref="doc/r-2", patient_agreed=draw(st.booleans()),
                    pattern_summary=draw(st.sampled_from([None, "withdraws"])),
                    reason=reason)
    if kind == "contract":
        low, high = spec.sessions_range
        n = draw(st.sampled_from([low, high, low - 1, high + 1, s.sessions_held]))
        foci = s.focus.areas if s.focus and draw(st.booleans()) else (
            draw(st.sampled_from(ALL_AREAS)),)
        signers = draw(st.sampled_from([("client", "therapist"),
                                        ("client", "therapist", "guardian"),
                                        ("therapist",)]))
        return make(c.SignContract, sessions=max(n, 1), session_minutes=50,
                    frequency=draw(st.sampled_from(["weekly", "fortnightly", "monthly"])),
                    start_date=clock.date(),
                    course_window_weeks=max(1, n + draw(st.sampled_from([8, 0, -4]))),
                    foci=foci, contingencies=CONTINGENCIES, measurement_plan=("phq9",),
                    signatures=signatures(*signers))
    if kind == "renegotiate":
        n = s.contract.sessions if s.contract else 12
        sessions = draw(st.sampled_from([None, n + 1, n + 2, n - 1, s.sessions_held]))
        new_foci = draw(st.sampled_from([None, ("role_dispute",), ("grief", "role_transition"),
                                         ("role_transition", "role_dispute"), ("ipaf",)]))
        weeks = draw(st.sampled_from([None, None, 30, 4]))
        return make(c.RenegotiateContract, sessions=sessions if sessions else None,
                    foci=new_foci, course_window_weeks=weeks,
                    frequency=draw(st.sampled_from([None, None, "fortnightly"])),
                    reason=reason, patient_agreed=draw(st.booleans()))
    if kind in ("session", "safety_session"):
        expected = (len(s.maintenance_sessions) + 1 if s.phase == "maintenance"
                    else s.sessions_held + 1)
        number = expected + draw(st.sampled_from([0, 0, 0, 1, -1, 2]), label="offset")
        contract_focus = s.contract.foci[0] if s.contract else None
        focus = draw(st.sampled_from([contract_focus, contract_focus, None, *ALL_AREAS]))
        return make(c.HoldSession, number=max(number, 1), minutes=50,
                    kind="safety" if kind == "safety_session" else "routine",
                    channel=draw(st.sampled_from(["video", "video", "phone", "in_person"]),
                                 label="channel"),
                    focus_addressed=focus, parent_present=draw(st.booleans()),
                    reason=reason)
    if kind == "missed":
        return make(c.RecordMissedSession, kind=draw(st.sampled_from(
            ["no_show", "late_cancellation", "cancelled_by_therapist"])), reason=reason)
    if kind == "discuss":
        at = s.sessions_held + 1 + draw(st.sampled_from([0, -1, 1, -3]))
        return make(c.DiscussTermination, at_session=max(at, 1))
    if kind == "letter":
        return make(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-2")
    if kind == "complete":
        return make(c.CompleteAcuteCourse,
                    relapse_prevention_plan_ref=draw(st.sampled_from(["doc/rp-2", None])),
                    next_step=draw(st.sampled_from([
                        "maintenance", "discharge", "new_contract", "referred_on", None])))
    if kind == "maintenance":
        return make(c.ScheduleMaintenance, sessions=draw(st.sampled_from([6, 1, 12, 40])),
                    frequency=draw(st.sampled_from(["monthly", "weekly", "fortnightly"])),
                    start_date=clock.date())
    assert kind == "close"
    return make(c.ClosePathway, reason=draw(st.sampled_from(CLOSE_REASONS)))
