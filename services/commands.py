"""The command table: every command of the write side, shared by the HTTP and broker edges.

Each entry names a command class, the HTTP path under ``/pathways/{id}/`` that takes it, the
broker name (``carepath.commands.<name>``, also the OpenAPI operation id) and what it records.
Opening a pathway (``OPEN``) is the one command without a pathway id. A new command is added
here once and both edges serve it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.pathway import commands as c


@dataclass(frozen=True)
class CommandRoute:
    path: str
    command: type[c.Command]
    summary: str
    records: str

    @property
    def name(self) -> str:
        """``HoldSession`` -> ``hold_session``: the operation id and the broker's name."""
        return snake(self.command.__name__)


def snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")


OPEN = CommandRoute("", c.OpenPathway, "Open a pathway", "PathwayOpened")
ROUTES: tuple[CommandRoute, ...] = (
    CommandRoute("consents", c.RecordConsent, "Record consent", "ConsentRecorded"),
    CommandRoute("withdraw-consent", c.WithdrawConsent, "Withdraw consent", "ConsentWithdrawn"),
    CommandRoute("diagnoses", c.RecordDiagnosis, "Record a diagnosis", "DiagnosisRecorded"),
    CommandRoute("measures", c.RecordMeasure, "Record a scored measure",
                 "MeasureRecorded, with SafetyFlagRaised when PHQ-9 item 9 >= 1 and"
                 " RecurrenceSuspected in maintenance"),
    CommandRoute("safety-flags", c.RaiseSafetyFlag, "Raise a safety flag", "SafetyFlagRaised"),
    CommandRoute("safety-flags/acknowledge", c.AcknowledgeSafetyFlag,
                 "Acknowledge a safety flag", "SafetyFlagAcknowledged"),
    CommandRoute("risk-assessments", c.RecordRiskAssessment, "Record a risk assessment",
                 "RiskAssessmentRecorded"),
    CommandRoute("safety-flags/resolve", c.ResolveSafetyFlag, "Resolve a safety flag",
                 "SafetyFlagResolved"),
    CommandRoute("sick-role", c.AssignSickRole, "Assign the sick role", "SickRoleAssigned"),
    CommandRoute("medication-need", c.AssessMedicationNeed, "Assess the need for medication",
                 "MedicationNeedAssessed"),
    CommandRoute("inventory", c.RecordInventory, "Record the interpersonal inventory",
                 "InventoryRecorded"),
    CommandRoute("formulation", c.ShareFormulation, "Share the interpersonal formulation",
                 "FormulationShared"),
    CommandRoute("focus", c.ChooseFocus, "Choose the focus",
                 "FocusChosen, after DeviationRecorded when a reason overrides a soft rule"),
    CommandRoute("contract", c.SignContract, "Sign the treatment contract", "ContractSigned"),
    CommandRoute("contract/renegotiate", c.RenegotiateContract, "Renegotiate the contract",
                 "ContractRenegotiated"),
    CommandRoute("sessions", c.HoldSession, "Hold a session",
                 "SessionHeld, after DeviationRecorded when a reason overrides a soft rule"),
    CommandRoute("missed-sessions", c.RecordMissedSession, "Record a missed session",
                 "SessionMissed, after DeviationRecorded when a reason overrides a soft rule"),
    CommandRoute("termination-discussions", c.DiscussTermination, "Discuss the ending",
                 "TerminationDiscussed"),
    CommandRoute("goodbye-letter", c.ShareGoodbyeLetter, "Share the goodbye letter (dit)",
                 "GoodbyeLetterShared"),
    CommandRoute("completion", c.CompleteAcuteCourse, "Complete the acute course",
                 "AcuteCourseCompleted"),
    CommandRoute("maintenance", c.ScheduleMaintenance, "Schedule maintenance (ipt-m)",
                 "MaintenanceScheduled"),
    CommandRoute("close", c.ClosePathway, "Close the pathway", "PathwayClosed"),
)

BY_NAME: dict[str, CommandRoute] = {route.name: route for route in (OPEN, *ROUTES)}
"""Every command, opening included, by its broker name."""
