"""A small known caseload, written through the application on a real store, for the outcomes,
safety, fidelity and maintenance read models; each pathway's comment gives what they should
show, so expectations in the tests are computed by hand from it.

- P1 t-a ipt role_dispute, N 12: PHQ-9 12 -> 8 (s4) -> 5 (s8) -> 3 (s12), GAD-7 10 -> 5; the
  ending discussed at 10; completed in remission; maintenance monthly x3, one session, a PHQ-9
  of 11 there (a recurrence).
- P2 t-a ipt role_dispute, N 12: PHQ-9 12 -> 12 -> 11 (s4) -> 10 (s8); 9 sessions held (IPT-16
  deviation at 9): active and not on track.
- P3 t-b ipt grief, N 12: four initial sessions (IPT-06); PHQ-9 16 -> 16 (s4) -> 10 (s8) -> 9
  (s12): improved by the review, completed partial (7 points: reliable improvement).
- P4 t-b ipt role_dispute, N 12: PHQ-9 14 -> 14 (s2), then HAM-D only (s4, s8): PHQ-9/GAD-7
  cadence not met; session 10 held before the ending is discussed (late), renegotiated to 14
  (window 12), discussed at 11 (in time again); IPT-16 deviation at 9; active, not on track.
- P5 t-a ipt: urgent flag 1 from the baseline (acknowledged +30 min, assessed +90 min,
  resolved), routine flag 2 after session 1 (acknowledged +2 h, never assessed), closed as
  dropped out.
- P6 t-b ipt: urgent flag 1 from the baseline, never acknowledged.
- P7 t-a ipt: baseline only, closed as entered in error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain.pathway import commands as c
from services.application import Caller, Pathways
from services.courses import CourseWriter, course

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SIGNED = {"client": "client-1", "therapist": "therapist-1", "guardian": "guardian-1"}
HAMD = (1,) * 17


def phq(total: int, item9: int = 0) -> tuple[int, ...]:
    """PHQ-9 items adding up to ``total`` with item 9 as given."""
    items, left = [], total - item9
    for _ in range(8):
        items.append(min(3, left))
        left -= items[-1]
    return (*items, item9)


def gad(total: int) -> tuple[int, ...]:
    items, left = [], total
    for _ in range(7):
        items.append(min(3, left))
        left -= items[-1]
    return tuple(items)


@dataclass
class Caseload:
    ids: dict[str, UUID]
    times: dict[str, datetime]
    """Clinical times the tests name (flags raised, completions, maintenance sessions)."""


def _writer(therapist: str, ref: str, at: datetime) -> CourseWriter:
    writer = course("ipt", at, sessions=12)
    return writer.opened(client_ref=ref, client_age=34, therapist_id=therapist,
                         referral_date=date(2026, 1, 2))


def _through_initial(writer: CourseWriter, baseline: int, focus: str = "role_dispute",
                     initial_sessions: int = 2, reason: str | None = None) -> CourseWriter:
    writer.consented().measure(phq(baseline))
    writer.later(7).intake()
    writer.formulated(focus, initial_sessions=initial_sessions, long_initial_reason=reason)
    return writer.signed(SIGNED).measure(phq(baseline))


def _visits(writer: CourseWriter, until: int, reason_from: int | None = None) -> CourseWriter:
    while writer.held < until:
        reason = "reviewed: continuing" if reason_from and writer.held + 1 >= reason_from else None
        writer.visit(reason=reason)
    return writer


def p1(at: datetime) -> tuple[CourseWriter, dict[str, datetime]]:
    w = _through_initial(_writer("t-a", "client-p1", at), 12)
    w.measure(gad(10), "gad7")
    _visits(w, 4).measure(phq(8))
    _visits(w, 8).measure(phq(5))
    _visits(w, 12).measure(gad(5), "gad7").measure(phq(3))
    w.completed("maintenance")
    completed = w.at
    w.maintenance_scheduled(3, start_date=(w.at + timedelta(days=28)).date())
    w.later(28).session()
    maintenance_session = w.at
    w.measure(phq(11))
    return w, {"p1_completed": completed, "p1_maintenance_session": maintenance_session}


def p2(at: datetime) -> CourseWriter:
    w = _through_initial(_writer("t-a", "client-p2", at), 12)
    _visits(w, 4).measure(phq(11))
    _visits(w, 8).measure(phq(10))
    return _visits(w, 9, reason_from=9)


def p3(at: datetime) -> CourseWriter:
    w = _through_initial(_writer("t-b", "client-p3", at), 16, focus="grief",
                         initial_sessions=4, reason="more time to build the inventory")
    _visits(w, 8).measure(phq(10))
    _visits(w, 12).measure(phq(9))
    return w.completed("alternative_treatment")


def p4(at: datetime) -> CourseWriter:
    w = _through_initial(_writer("t-b", "client-p4", at), 14)
    _visits(w, 4).measure(HAMD, "hamd17")
    _visits(w, 8).measure(HAMD, "hamd17")
    _visits(w, 9, reason_from=9)
    w.later(7).session()  # session 10 of 12, the ending window, never discussed: late
    w.measure(HAMD, "hamd17")
    w.do(c.RenegotiateContract, sessions=14, reason="ending raised late: two more sessions",
         patient_agreed=True)
    w.contract_sessions = 14
    w.later(7).do(c.DiscussTermination, at_session=11)
    w.discussed = True
    return w.session()


def p5(at: datetime) -> tuple[CourseWriter, dict[str, datetime]]:
    w = _writer("t-a", "client-p5", at)
    w.consented().measure(phq(14, item9=2))
    raised = w.at
    w.do(c.AcknowledgeSafetyFlag, flag_id=1, occurred_at=raised + timedelta(minutes=30))
    w.do(c.RecordRiskAssessment, flag_id=1, risk_level="moderate", safety_plan_ref="plan/s-1",
         occurred_at=raised + timedelta(minutes=90))
    w.do(c.ResolveSafetyFlag, flag_id=1, occurred_at=raised + timedelta(hours=3))
    w.later(7).intake()
    w.later(1).raise_flag("routine", source="clinician")
    second = w.at
    w.do(c.AcknowledgeSafetyFlag, flag_id=2, occurred_at=second + timedelta(hours=2))
    w.later(1)
    return w.closed("dropped_out"), {"p5_flag1": raised, "p5_flag2": second}


def p6(at: datetime) -> tuple[CourseWriter, dict[str, datetime]]:
    w = _writer("t-b", "client-p6", at)
    w.consented().measure(phq(18, item9=3))
    return w, {"p6_flag1": w.at}


def p7(at: datetime) -> CourseWriter:
    w = _writer("t-a", "client-p7", at)
    w.consented().measure(phq(10))
    return w.closed("entered_in_error")


def send(pathways: Pathways, name: str, writer: CourseWriter) -> UUID:
    """Every command of ``writer`` through the application, as one clinician would send it."""
    pathway_id: UUID | None = None
    for index, command in enumerate(writer.commands):
        caller = Caller(actor_id="clinician-1", actor_role="therapist",
                        correlation_id=f"{name}-{index}", idempotency_key=f"{name}-{index}")
        if isinstance(command, c.OpenPathway):
            pathway_id = pathways.open_pathway(command, caller).pathway_id
        else:
            assert pathway_id is not None
            pathways.execute(pathway_id, command, caller)
    assert pathway_id is not None
    return pathway_id


def write_caseload(pathways: Pathways) -> Caseload:
    """P1..P7, each starting a day after the previous one."""
    ids: dict[str, UUID] = {}
    times: dict[str, datetime] = {}
    day = timedelta(days=1)
    writer, named = p1(START)
    ids["p1"], times = send(pathways, "p1", writer), times | named
    ids["p2"] = send(pathways, "p2", p2(START + day))
    ids["p3"] = send(pathways, "p3", p3(START + 2 * day))
    ids["p4"] = send(pathways, "p4", p4(START + 3 * day))
    writer, named = p5(START + 4 * day)
    ids["p5"], times = send(pathways, "p5", writer), times | named
    writer, named = p6(START + 5 * day)
    ids["p6"], times = send(pathways, "p6", writer), times | named
    ids["p7"] = send(pathways, "p7", p7(START + 6 * day))
    return Caseload(ids, times)
