"""The value types integration events carry: codes (closed lists), ids (patterned) and counts.

No type here is free text: every string is a code from a closed list, or an id or code with a
pattern, so a published schema says exactly what a consumer can receive. The closed lists are
the domain's own words (``domain/vocabulary.py``) where the domain has them, so a word added
there changes the schema and asks for a new schema version.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, WithJsonSchema

from domain.vocabulary import Instrument

Count = Annotated[int, Field(ge=0)]
"""A whole number that cannot be negative: sessions, minutes, totals, item scores."""
Positive = Annotated[int, Field(ge=1)]
ProtocolId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,15}$")]
"""A protocol of the table (``ipt``, ``ipt-a``, ``dit``, ``ipt-m``, ...)."""
StaffId = Annotated[str, StringConstraints(min_length=1, max_length=80,
                                           pattern=r"^[!-~]([ -~]*[!-~])?$")]
"""A clinician's user id (never a client's): printable ASCII as the actor headers allow."""
Icd10 = Annotated[str, StringConstraints(max_length=8,
                                         pattern=r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")]
AggregateId = Annotated[UUID, WithJsonSchema({
    "type": "string", "format": "uuid",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"})]
"""Another aggregate's id (a group's), as the envelope's ``subject`` writes a pathway's."""
RuleId = Annotated[str, StringConstraints(pattern=r"^IPT-[0-9]{2}$")]
"""A clinical rule's public id (``IPT-05``): a contract of its own (domain.md)."""

Severity = Literal["mild", "moderate", "severe"]
FlagSource = Literal["clinician", "client_report", "measure"]
RiskLevel = Literal["low", "moderate", "high", "imminent"]
MedicationOutcome = Literal["not_indicated", "referred_to_prescriber", "already_on_medication",
                            "declined"]
Band = Literal["minimal", "normal", "mild", "moderate", "moderately_severe", "severe",
               "very_severe"]
"""A measure's severity band, as ``domain.measures`` names them for every instrument."""
ContractTerm = Literal["sessions", "frequency", "foci", "course_window_weeks"]
Technique = Literal[
    "non_directive_exploration", "direct_elicitation", "encouragement_of_affect",
    "clarification", "communication_analysis", "decision_analysis", "role_play",
]
Quality = Literal["supportive", "conflictual", "ambivalent", "distant"]
RecentChange = Literal["none", "death", "dispute", "role_change", "isolation"]

__all__ = ["AggregateId", "Band", "ContractTerm", "Count", "FlagSource", "Icd10", "Instrument",
           "MedicationOutcome", "Positive", "ProtocolId", "Quality", "RecentChange",
           "RiskLevel", "RuleId", "Severity", "StaffId", "Technique"]
