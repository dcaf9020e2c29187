"""Every code and code system the FHIR export writes, in one place (tests check them here and
in the bundles, since FHIR model libraries check structure, never terminology).

LOINC codes are those of domain.md section 5 and the LOINC PHQ-9 and GAD-7 panels; answers use
the LOINC answer list LL358-3 shared by both. HAM-D-17 has no LOINC panel shipped here, so it
is coded in carepath's own system. Other systems are FHIR's own (HL7 terminology).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
US_CORE_SCREENING = ("http://hl7.org/fhir/us/core/StructureDefinition/"
                     "us-core-observation-screening-assessment")

CAREPATH = "urn:carepath"
PATHWAY_ID = f"{CAREPATH}:pathway"
CLIENT_REF = f"{CAREPATH}:client-ref"
ACTOR = f"{CAREPATH}:actor"
PROTOCOL = f"{CAREPATH}:protocol"
INSTRUMENT = f"{CAREPATH}:instrument"
SESSION = f"{CAREPATH}:session"
GROUP_ID = f"{CAREPATH}:group"
GROUP_SESSION = f"{CAREPATH}:group-session"
RULE_POLICY = f"{CAREPATH}:rule:"
"""A rule a command was checked against, as a Provenance policy: ``urn:carepath:rule:IPT-05``."""
PROTOCOL_POLICY = f"{CAREPATH}:protocol:"
EXTENSION = f"{CAREPATH}:fhir:extension:"


@dataclass(frozen=True)
class Panel:
    """How one instrument is coded: the panel, its items in order, the total."""

    system: str
    panel: tuple[str, str]
    items: tuple[tuple[str, str], ...]
    total: tuple[str, str]
    answers: tuple[tuple[str, str], ...] | None
    """LOINC answers by item score (0, 1, 2, 3); None: the score is the value."""


FREQUENCY_ANSWERS = (("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
                     ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"))

PANELS: dict[str, Panel] = {
    "phq9": Panel(
        system=LOINC,
        panel=("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"),
        items=(("44250-9", "Little interest or pleasure in doing things"),
               ("44255-8", "Feeling down, depressed, or hopeless"),
               ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
               ("44254-1", "Feeling tired or having little energy"),
               ("44251-7", "Poor appetite or overeating"),
               ("44258-2", "Feeling bad about yourself-or that you are a failure or have let"
                           " yourself or your family down"),
               ("44252-5", "Trouble concentrating on things, such as reading the newspaper or"
                           " watching television"),
               ("44253-3", "Moving or speaking so slowly that other people could have noticed."
                           " Or the opposite-being so fidgety or restless that you have been"
                           " moving around a lot more than usual"),
               ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself"
                           " in some way")),
        total=("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
        answers=FREQUENCY_ANSWERS),
    "gad7": Panel(
        system=LOINC,
        panel=("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        items=(("69725-0", "Feeling nervous, anxious or on edge"),
               ("68509-9", "Not being able to stop or control worrying"),
               ("69733-4", "Worrying too much about different things"),
               ("69734-2", "Trouble relaxing"),
               ("69735-9", "Being so restless that it is hard to sit still"),
               ("69689-8", "Becoming easily annoyed or irritable"),
               ("69736-7", "Feeling afraid as if something awful might happen")),
        total=("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported]"),
        answers=FREQUENCY_ANSWERS),
    "hamd17": Panel(
        system=INSTRUMENT,
        panel=("hamd17", "Hamilton Depression Rating Scale, 17 items (clinician rated)"),
        items=tuple((f"hamd17-item-{n}", f"HAM-D-17 item {n}") for n in range(1, 18)),
        total=("hamd17-total", "HAM-D-17 total score"),
        answers=None),
}

SEVERITY: dict[str, tuple[str, str]] = {
    "mild": ("255604002", "Mild"),
    "moderate": ("6736007", "Moderate"),
    "severe": ("24484000", "Severe"),
}
"""SNOMED CT severity qualifiers (Condition.severity's preferred value set)."""

ENCOUNTER_CLASS: dict[str, tuple[str, str]] = {
    "in_person": ("AMB", "ambulatory"),
    "video": ("VR", "virtual"),
    "phone": ("VR", "virtual"),
}

CONSENT_SCOPES: dict[str, tuple[str, str]] = {
    "treatment": ("treatment", "Treatment"),
    "telehealth": ("treatment", "Treatment"),
    "recording": ("patient-privacy", "Privacy Consent"),
    "data_sharing": ("patient-privacy", "Privacy Consent"),
}
CONSENT_CATEGORY = ("59284-0", "Patient Consent")
CONSENT_POLICY_RULE = ("OPTIN", "opt-in")

TIMING: dict[str, tuple[int, int, str]] = {
    "weekly": (1, 1, "wk"),
    "twice_weekly": (2, 1, "wk"),
    "fortnightly": (1, 2, "wk"),
    "twice_monthly": (2, 1, "mo"),
    "monthly": (1, 1, "mo"),
}
"""A contract's frequency as FHIR Timing.repeat (frequency per period periodUnit)."""


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found = {"system": system, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None,
            text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text or display:
        found["text"] = text or display
    return found
