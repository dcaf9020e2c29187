"""One accepted command's events, checked as one batch: consecutive versions, the command's
times and meta, deviations first (soft rules only, with the command's reason), then the event
the command is named for, then only the follow-ups the spec asks for (IPT-17, IPT-28)."""

from __future__ import annotations

from typing import Any

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway import events as e
from tests.property.records import check
from tests.property.spec import PHQ9_RECURRENCE, SOFT_RULES

MAIN_EVENT: dict[type[c.Command], type[e.PathwayEvent]] = {
    c.RecordConsent: e.ConsentRecorded, c.WithdrawConsent: e.ConsentWithdrawn,
    c.RecordDiagnosis: e.DiagnosisRecorded, c.RecordMeasure: e.MeasureRecorded,
    c.RaiseSafetyFlag: e.SafetyFlagRaised, c.AcknowledgeSafetyFlag: e.SafetyFlagAcknowledged,
    c.RecordRiskAssessment: e.RiskAssessmentRecorded, c.ResolveSafetyFlag: e.SafetyFlagResolved,
    c.AssignSickRole: e.SickRoleAssigned, c.AssessMedicationNeed: e.MedicationNeedAssessed,
    c.RecordInventory: e.InventoryRecorded, c.ShareFormulation: e.FormulationShared,
    c.ChooseFocus: e.FocusChosen, c.SignContract: e.ContractSigned,
    c.RenegotiateContract: e.ContractRenegotiated, c.HoldSession: e.SessionHeld,
    c.RecordMissedSession: e.SessionMissed, c.DiscussTermination: e.TerminationDiscussed,
    c.ShareGoodbyeLetter: e.GoodbyeLetterShared, c.CompleteAcuteCourse: e.AcuteCourseCompleted,
    c.ScheduleMaintenance: e.MaintenanceScheduled, c.ClosePathway: e.PathwayClosed,
}


def check_batch(command: c.Command, ctx: CommandContext, first_version: int,
                phase_before: str, events: list[Any]) -> None:
    """One accepted command: deviations first, then the event they allowed, then follow-ups."""
    check(events, f"{type(command).__name__} was accepted but recorded nothing")
    for offset, ev in enumerate(events):
        check(ev.originator_version == first_version + offset, "versions are consecutive")
        check(ev.occurred_at == command.occurred_at and ev.timestamp == ctx.recorded_at,
              "event times are the command's clinical time and the server time")
        check(ev.meta.idempotency_key == ctx.idempotency_key
              and ev.meta.correlation_id == ctx.correlation_id
              and ev.meta.actor_id == ctx.actor_id, "event meta is the command's")
    deviations = 0
    while deviations < len(events) and isinstance(events[deviations], e.DeviationRecorded):
        ev = events[deviations]
        check(ev.rule in SOFT_RULES, f"deviation from hard rule {ev.rule}")
        reason = getattr(command, "reason", None)
        check(ev.reason and ev.reason.strip() and ev.reason == reason,
              f"deviation {ev.rule} without the command's reason")
        deviations += 1
    rest = events[deviations:]
    check(rest and isinstance(rest[0], MAIN_EVENT[type(command)]),
          f"after {deviations} deviation(s), {type(command).__name__} did not record"
          f" {MAIN_EVENT[type(command)].__name__}: {[type(x).__name__ for x in events]}")
    check(not any(isinstance(x, e.DeviationRecorded) for x in rest), "deviations come first")
    main, follow = rest[0], list(rest[1:])
    if isinstance(main, e.MeasureRecorded):
        item9 = main.items[8] if main.instrument == "phq9" else 0
        if item9 >= 1:
            flag = follow.pop(0) if follow else None
            check(isinstance(flag, e.SafetyFlagRaised), f"IPT-17: PHQ-9 item 9 = {item9}"
                  " without SafetyFlagRaised in the same command")
            assert isinstance(flag, e.SafetyFlagRaised)
            check(flag.tier == ("urgent" if item9 >= 2 else "routine")
                  and flag.item9 == item9 and flag.source == "measure",
                  f"IPT-17: item 9 = {item9} raised a {flag.tier} flag")
        recurrence = (phase_before == "maintenance" and main.instrument == "phq9"
                      and main.total >= PHQ9_RECURRENCE)
        if recurrence:
            ev = follow.pop(0) if follow else None
            check(isinstance(ev, e.RecurrenceSuspected), "IPT-28: PHQ-9 >= 10 in maintenance"
                  " without RecurrenceSuspected")
    check(not follow, f"unexpected events after {type(main).__name__}:"
          f" {[type(x).__name__ for x in follow]}")


def describe(command: c.Command) -> str:
    fields = command.model_dump(exclude_defaults=True, exclude={"occurred_at"}, mode="json")
    for bulky in ("contingencies", "relationships", "signatures"):
        if bulky in fields:
            fields[bulky] = "..." if bulky != "signatures" else [
                s["signer"] for s in fields[bulky]]
    shown = ", ".join(f"{k}={v!r}" for k, v in fields.items())
    return f"{type(command).__name__}({shown})"

