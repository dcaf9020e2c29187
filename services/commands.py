"""The command table: every command of the write side, shared by the HTTP and broker edges.

Each entry names a command class, the aggregate it is sent to, the HTTP path under
``/pathways/{id}/`` (or ``/groups/{id}/``) that takes it, the broker name
(``carepath.commands.<name>``, also the OpenAPI operation id) and what it records. Opening a
pathway (``OPEN``) and forming a group (``FORM_GROUP``) are the commands without an id: the
answer names the new aggregate. A new command is added here once and both edges serve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.group import commands as g
from domain.pathway import commands as c

Aggregate = Literal["pathway", "group"]


@dataclass(frozen=True)
class CommandRoute:
    path: str
    command: type[c.Command]
    summary: str
    records: str
    aggregate: Aggregate = "pathway"

    @property
    def name(self) -> str:
        """``HoldSession`` -> ``hold_session``: the operation id and the broker's name."""
        return snake(self.command.__name__)

    @property
    def creates(self) -> bool:
        """Opens a pathway or forms a group: sent to no id (the answer names the new one)."""
        return not self.path

    @property
    def id_field(self) -> str:
        """The member naming the aggregate in a broker request: ``pathway_id``, ``group_id``."""
        return f"{self.aggregate}_id"


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

FORM_GROUP = CommandRoute("", g.FormGroup, "Form a group", "GroupFormed", "group")
GROUP_ROUTES: tuple[CommandRoute, ...] = (
    CommandRoute("members", g.EnrolMember, "Enrol a member (their ipt-g pathway)",
                 "MemberEnrolled", "group"),
    CommandRoute("members/leave", g.RecordMemberLeft, "Record that a member left",
                 "MemberLeft", "group"),
    CommandRoute("sessions", g.HoldGroupSession, "Hold a group session",
                 "GroupSessionHeld, and on each member's pathway SessionHeld (kind group) or"
                 " SessionMissed, with DeviationRecorded when a reason overrides a soft rule",
                 "group"),
    CommandRoute("close", g.CloseGroup, "Close the group", "GroupClosed", "group"),
)
"""The group's commands (``/groups/{id}/...``); a session records on every member's pathway
too, in the same transaction."""

EVERY_ROUTE: tuple[CommandRoute, ...] = (OPEN, *ROUTES, FORM_GROUP, *GROUP_ROUTES)
BY_NAME: dict[str, CommandRoute] = {route.name: route for route in EVERY_ROUTE}
"""Every command, opening a pathway and forming a group included, by its broker name."""
