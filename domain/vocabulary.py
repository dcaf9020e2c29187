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

SessionKind = Literal["routine", "safety", "group", "pre_group", "mid_group", "post_group"]
ROUTINE: Final = "routine"
"""A routine session, and the tier of a flag that is not urgent."""
SAFETY: Final = "safety"
GROUP: Final = "group"
"""An ipt-g member's acute session: a group session, numbered with the group's sessions."""
MeetingKind = Literal["pre_group", "mid_group", "post_group"]
PRE_GROUP: Final = "pre_group"
MID_GROUP: Final = "mid_group"
POST_GROUP: Final = "post_group"
MEETING_KINDS: Final[frozenset[str]] = frozenset({PRE_GROUP, MID_GROUP, POST_GROUP})
"""An ipt-g member's individual meetings (IPT-31): numbered on their own, not with the group."""

MissKind = Literal["no_show", "late_cancellation", "cancelled_by_therapist", "safety_hold"]
NO_SHOW: Final = "no_show"
CANCELLED_BY_THERAPIST: Final = "cancelled_by_therapist"
SAFETY_HOLD: Final = "safety_hold"
"""A group member kept out of a group session by an open, unassessed safety flag (IPT-17)."""
NOT_CLIENT_MISSES: Final[frozenset[str]] = frozenset({CANCELLED_BY_THERAPIST, SAFETY_HOLD})
"""Misses that are not the client's: they count towards no outreach (IPT-21)."""

LeaveReason = Literal["dropped_out", "referred_on", "withdrawn", "entered_in_error"]
"""Why a member left a group."""
GroupOutcome = Literal["completed", "ended_early"]
ENDED_EARLY: Final = "ended_early"

CloseReason = Literal["discharged", "dropped_out", "referred_on", "withdrawn",
                      "maintenance_ended", "entered_in_error"]
DISCHARGED: Final = "discharged"
MAINTENANCE_ENDED: Final = "maintenance_ended"

# ----- who consents, who signs -----------------------------------------------------------------
# Who may act is not a word of the domain: the roles belong to the access policy
# (``services/access/principal.py``), and an event records its actor's role as plain text.

Consenter = Literal["client", "guardian", "partner"]
Signer = Literal["client", "guardian", "partner", "therapist"]
CLIENT: Final = "client"
GUARDIAN: Final = "guardian"
PARTNER: Final = "partner"
"""The second client of a couple pathway (the couple format)."""
THERAPIST: Final = "therapist"

Format = Literal["individual", "group", "couple"]
INDIVIDUAL: Final = "individual"
GROUP_FORMAT: Final = "group"
COUPLE: Final = "couple"

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
