"""The words of domain.md as named types, and a constant for each word the rules decide on.

Each type is a ``Literal``, not an enum: commands, events and stored JSON keep plain strings
(stored history decodes unchanged, the published schemas keep their inline enums), and mypy's
strict equality refuses a comparison with a word outside the type. Code compares with the
constants below (``state.phase == MAINTENANCE``), never with a string typed again.
"""

from __future__ import annotations

from typing import Final, Literal

# ----- the course ------------------------------------------------------------------------------

Phase = Literal["initial", "middle", "termination", "completed", "maintenance", "closed"]
INITIAL: Final = "initial"
MIDDLE: Final = "middle"
TERMINATION: Final = "termination"
COMPLETED: Final = "completed"
MAINTENANCE: Final = "maintenance"
"""The phase, and the next step that leads to it."""
CLOSED: Final = "closed"
PHASES: Final[tuple[Phase, ...]] = (INITIAL, MIDDLE, TERMINATION, COMPLETED, MAINTENANCE, CLOSED)
ACUTE_COURSE: Final[frozenset[Phase]] = frozenset({MIDDLE, TERMINATION})
"""The acute course in progress under a signed contract."""
AFTER_COMPLETION: Final[frozenset[Phase]] = frozenset({COMPLETED, MAINTENANCE})

SessionKind = Literal["routine", "safety"]
ROUTINE: Final = "routine"
"""A routine session, and the tier of a flag that is not urgent."""
SAFETY: Final = "safety"

MissKind = Literal["no_show", "late_cancellation", "cancelled_by_therapist"]
CANCELLED_BY_THERAPIST: Final = "cancelled_by_therapist"

CloseReason = Literal["discharged", "dropped_out", "referred_on", "withdrawn",
                      "maintenance_ended", "entered_in_error"]
DISCHARGED: Final = "discharged"
MAINTENANCE_ENDED: Final = "maintenance_ended"

# ----- who acts, who consents ------------------------------------------------------------------

Role = Literal["therapist", "supervisor", "clinical_admin", "client", "system"]
ROLES: Final[tuple[Role, ...]] = ("therapist", "supervisor", "clinical_admin", "client", "system")

Consenter = Literal["client", "guardian"]
Signer = Literal["client", "guardian", "therapist"]
CLIENT: Final = "client"
GUARDIAN: Final = "guardian"
THERAPIST: Final = "therapist"

ConsentKind = Literal["treatment", "telehealth", "recording", "data_sharing"]
TREATMENT: Final = "treatment"
TELEHEALTH: Final = "telehealth"

Channel = Literal["video", "phone", "in_person"]
REMOTE_CHANNELS: Final[frozenset[Channel]] = frozenset({"video", "phone"})
"""A session on these needs telehealth consent (IPT-32)."""

# ----- measures and safety ---------------------------------------------------------------------

Instrument = Literal["phq9", "gad7", "hamd17"]
PHQ9: Final = "phq9"

Tier = Literal["urgent", "routine"]
URGENT: Final = "urgent"

Outcome = Literal["remission", "response", "partial", "none"]
REMISSION: Final = "remission"
RESPONSE: Final = "response"
PARTIAL: Final = "partial"
NO_RESPONSE: Final = "none"
OUTCOMES: Final[tuple[Outcome, ...]] = (REMISSION, RESPONSE, PARTIAL, NO_RESPONSE)
NON_RESPONSE: Final[frozenset[Outcome]] = frozenset({PARTIAL, NO_RESPONSE})
"""A non-responder (IPT-25)."""

NextStep = Literal["maintenance", "discharge", "alternative_treatment", "medication_referral",
                   "new_contract", "referred_on"]
NON_RESPONDER_STEPS: Final[frozenset[NextStep]] = frozenset({
    "alternative_treatment", "medication_referral", "new_contract"})
"""What may follow a non-response (IPT-25): never a silent discharge."""

# ----- foci ------------------------------------------------------------------------------------

ProblemArea = Literal["grief", "role_dispute", "role_transition", "interpersonal_deficits", "ipaf"]
GRIEF: Final = "grief"
ROLE_DISPUTE: Final = "role_dispute"
ROLE_TRANSITION: Final = "role_transition"
INTERPERSONAL_DEFICITS: Final = "interpersonal_deficits"
IPAF: Final = "ipaf"
"""dit's single interpersonal-affective focus, not an IPT problem area."""
