"""The command behind each stored command's events, rebuilt to be decided again.

A command's events are consecutive and share the caller's idempotency key: the deviations it
was allowed with (each carrying the reason given), then its main event, then what the rules
added in the same command (a measure's safety flag, a suspected recurrence). The main event
holds every field the command gave, so the command is rebuilt from it by field name, with the
deviations' reason; a renegotiation gives back only the terms it changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from domain.context import CLOCK_SKEW, CommandContext
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.vocabulary import GROUP
from services.audit.entries import event_fields

COMMAND_OF: dict[type[e.PathwayEvent], type[c.Command]] = {
    e.PathwayOpened: c.OpenPathway,
    e.ConsentRecorded: c.RecordConsent,
    e.ConsentWithdrawn: c.WithdrawConsent,
    e.DiagnosisRecorded: c.RecordDiagnosis,
    e.MeasureRecorded: c.RecordMeasure,
    e.SafetyFlagRaised: c.RaiseSafetyFlag,
    e.SafetyFlagAcknowledged: c.AcknowledgeSafetyFlag,
    e.RiskAssessmentRecorded: c.RecordRiskAssessment,
    e.SafetyFlagResolved: c.ResolveSafetyFlag,
    e.SickRoleAssigned: c.AssignSickRole,
    e.MedicationNeedAssessed: c.AssessMedicationNeed,
    e.InventoryRecorded: c.RecordInventory,
    e.FormulationShared: c.ShareFormulation,
    e.FocusChosen: c.ChooseFocus,
    e.ContractSigned: c.SignContract,
    e.ContractRenegotiated: c.RenegotiateContract,
    e.SessionHeld: c.HoldSession,
    e.SessionMissed: c.RecordMissedSession,
    e.TerminationDiscussed: c.DiscussTermination,
    e.GoodbyeLetterShared: c.ShareGoodbyeLetter,
    e.AcuteCourseCompleted: c.CompleteAcuteCourse,
    e.MaintenanceScheduled: c.ScheduleMaintenance,
    e.PathwayClosed: c.ClosePathway,
}
"""The command each main event answers (deviations and recurrences are never main events)."""


@dataclass(frozen=True)
class StoredCommand:
    """One command as the store kept it: its events, and the command rebuilt from them."""

    events: tuple[e.PathwayEvent, ...]
    main: e.PathwayEvent

    @property
    def first_version(self) -> int:
        return self.events[0].originator_version

    @property
    def last_version(self) -> int:
        return self.events[-1].originator_version

    @property
    def deviations(self) -> tuple[str, ...]:
        return tuple(ev.rule for ev in self.events if isinstance(ev, e.DeviationRecorded))

    def command(self) -> c.Command:
        """The command, rebuilt; pydantic refuses one today's schema no longer accepts."""
        part = self._group_part()
        if part is not None:
            return part
        command_class = COMMAND_OF[type(self.main)]
        fields: dict[str, Any] = event_fields(self.main)
        if isinstance(self.main, e.PathwayOpened):
            fields["protocol"] = fields.pop("protocol_id")
        if isinstance(self.main, e.ContractRenegotiated):
            fields = {name: value for name, value in fields.items()
                      if name in {*self.main.changed, "reason", "patient_agreed"}}
        reasons = [ev.reason for ev in self.events if isinstance(ev, e.DeviationRecorded)]
        if reasons and "reason" in command_class.model_fields:
            fields["reason"] = reasons[0]
        accepted = {name: value for name, value in fields.items()
                    if name in command_class.model_fields}
        return command_class.model_validate({**accepted, "occurred_at": self.main.occurred_at})

    def _group_part(self) -> c.AttendGroupSession | None:
        """An ipt-g member's part in a group session (held or missed), rebuilt as the part
        the group's command gave the member; None for any other command."""
        held = next((ev for ev in self.events
                     if isinstance(ev, e.SessionHeld) and ev.kind == GROUP), None)
        missed = next((ev for ev in self.events
                       if isinstance(ev, e.SessionMissed) and ev.number is not None), None)
        reason = next((ev.reason for ev in self.events if isinstance(ev, e.DeviationRecorded)),
                      None)
        discussed = any(isinstance(ev, e.TerminationDiscussed) for ev in self.events)
        if held is not None and held.group_id is not None:
            themes = () if held.focus_addressed is None else (held.focus_addressed,)
            return c.AttendGroupSession(
                occurred_at=held.occurred_at, group_id=held.group_id, number=held.number,
                minutes=held.minutes, channel=held.channel, present=True, themes=themes,
                ending_discussed=discussed, reason=reason)
        if missed is not None and missed.number is not None and missed.group_id is not None:
            return c.AttendGroupSession(
                occurred_at=missed.occurred_at, group_id=missed.group_id, number=missed.number,
                minutes=1, channel="in_person", present=False, absence=missed.kind,
                reason=reason)  # an absent member's minutes and channel are not recorded
        return None

    def context(self, clock_skew: Any = CLOCK_SKEW) -> CommandContext:
        """The command's context as it was decided: its caller, key and server time."""
        meta = self.main.meta
        return CommandContext(actor_id=meta.actor_id, actor_role=meta.actor_role,
                              correlation_id=meta.correlation_id,
                              idempotency_key=meta.idempotency_key,
                              recorded_at=self.main.timestamp,
                              request_digest=meta.request_digest, clock_skew=clock_skew)


def stored_commands(events: Sequence[e.PathwayEvent]) -> Iterator[StoredCommand]:
    """The history cut into commands: consecutive events of one caller's idempotency key."""
    group: list[e.PathwayEvent] = []
    for event in events:
        if group and _key(event) != _key(group[0]):
            yield _command(group)
            group = []
        group.append(event)
    if group:
        yield _command(group)


def _key(event: e.PathwayEvent) -> tuple[str, str]:
    return event.meta.actor_id, event.meta.idempotency_key


def _command(group: list[e.PathwayEvent]) -> StoredCommand:
    main = next((ev for ev in group if type(ev) in COMMAND_OF), group[0])
    return StoredCommand(tuple(group), main)
