"""The IPT rules in a sentence each, for the fidelity panel's links (domain.md section 4).

A deviation names its rule id; the dashboard links each id to its sentence here, so a manager
reading "IPT-05: 3" can read what IPT-05 asks. Kinds: H hard (refused), S soft (accepted with
a reason and recorded as a deviation), C the number comes from the protocol table.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    id: str
    kind: str
    sentence: str


RULES: tuple[Rule, ...] = (
    Rule("IPT-01", "H",
         "No middle-phase session before a signed contract; the contract fixes N, frequency "
         "and session length."),
    Rule("IPT-02", "H",
         "N, frequency and foci change only through ContractRenegotiated, with a reason and "
         "the patient's agreement."),
    Rule("IPT-03", "C/H", "N lies in the protocol's allowed range."),
    Rule("IPT-04", "H", "Sessions held in the acute course never exceed the contracted N."),
    Rule("IPT-05", "S", "More than 14 days between acute sessions is a deviation."),
    Rule("IPT-06", "C/S", "The initial phase lasts at most the protocol's cap (3 for ipt)."),
    Rule("IPT-07", "H",
         "Leaving the initial phase (the first middle-phase session) requires: a diagnosis, a "
         "baseline measure, the sick role assigned, an inventory, medication need assessed, a "
         "formulation shared, a focus the patient agreed to, and a signed contract."),
    Rule("IPT-08", "H", "One primary focus and at most one secondary."),
    Rule("IPT-09", "C/H", "Every focus belongs to the protocol's problem-area set."),
    Rule("IPT-10", "S", "A grief focus needs a deceased person in the inventory."),
    Rule("IPT-11", "S",
         "interpersonal_deficits only when the inventory shows no grief, dispute or "
         "transition."),
    Rule("IPT-12", "H",
         "A severe baseline (PHQ-9 >= 20) requires a medication-need assessment before the "
         "contract is signed."),
    Rule("IPT-13", "H",
         "InventoryRecorded and FocusChosen come in that order: no focus without an inventory; "
         "no contract without a focus; the contract's foci equal the chosen foci."),
    Rule("IPT-14", "S", "Each middle-phase session addresses one of the contracted foci."),
    Rule("IPT-15", "H",
         "A scored measure at baseline, at the end of the initial phase, at least every 4 "
         "sessions (or 28 days) and at the final acute session."),
    Rule("IPT-16", "S",
         "Less than 25% improvement from baseline by session 8 (or week 8) asks for a review "
         "(recorded as a deviation if the course continues unchanged)."),
    Rule("IPT-17", "H",
         "PHQ-9 item 9 >= 1 raises SafetyFlagRaised in the same command (tier urgent when >= "
         "2, else routine). No routine session may be held while a flag is unacknowledged or "
         "has no risk assessment."),
    Rule("IPT-18", "H",
         "A zero on item 9 is never recorded as \"no risk\": there is no event or field that "
         "clears risk except SafetyFlagResolved after an assessment."),
    Rule("IPT-19", "C/H", "No ipt-a or ipt-g enrolment while an urgent flag is open."),
    Rule("IPT-20", "H", "A missed session does not use up a contracted session."),
    Rule("IPT-21", "S",
         "Two consecutive or three total misses (one, with a safety flag open) ask for "
         "outreach; the pathway shows outreach_due until the next session is held."),
    Rule("IPT-22", "C/H",
         "When the course window passes with sessions left, the contract must be renegotiated "
         "or the pathway closed as dropped out before another session."),
    Rule("IPT-23", "H",
         "The ending is discussed (TerminationDiscussed) no later than the first session of "
         "the protocol's ending window (session N-2 for ipt); the final session cannot be "
         "recorded otherwise (a late discussion needs a renegotiated, longer contract)."),
    Rule("IPT-24", "H",
         "The acute course completes only with a final measure, an outcome, a "
         "relapse-prevention plan and a next step."),
    Rule("IPT-25", "H",
         "A non-responder is never silently discharged: the next step is one of alternative "
         "treatment, medication referral, or a new contract."),
    Rule("IPT-26", "H",
         "MaintenanceScheduled only after the acute course completed in remission (PHQ-9 < 5, "
         "HAM-D-17 <= 7); it is a new contract with its own frequency and count."),
    Rule("IPT-27", "C", "Maintenance is monthly by default; weekly and twice-monthly are allowed."),
    Rule("IPT-28", "H", "In maintenance, a PHQ-9 >= 10 raises RecurrenceSuspected."),
    Rule("IPT-29", "H", "A closed pathway accepts no command."),
    Rule("IPT-30", "H",
         "Sessions are numbered consecutively with no gaps or repeats, in chronological order, "
         "and never in the future (a small clock skew aside)."),
    Rule("IPT-31", "C",
         "Variant rules: ipt-a (age 12-18, guardian consent, parent at session 1 and the "
         "ending), ipt-g (pre-group meeting before session 1, closed membership after session "
         "3, mid-point and post-group meetings), dit (IPAF agreed by session 4, goodbye letter "
         "before session 16)."),
    Rule("IPT-32", "H",
         "Consent before care: no routine session is held unless the client's treatment "
         "consent is on record (for ipt-a, the guardian's treatment consent too); a video or "
         "phone session also needs telehealth consent. ConsentWithdrawn suspends what it names "
         "until consent is recorded again. A safety session (duty of care) is never blocked by "
         "this rule. A consent given by a guardian counts only for ipt-a."),
    Rule("IPT-33", "C/H",
         "A group holds its first session with 6-9 enrolled members (the protocol's capacity), "
         "and never enrols beyond capacity."),
    Rule("IPT-34", "S", "A couple pathway's focus is role_dispute; another focus is a deviation."),
)
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule_href(rule_id: str) -> str:
    """Where the dashboard shows a rule's sentence."""
    return f"/ops/dashboard/rules#{rule_id}"
