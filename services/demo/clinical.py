"""Synthetic clinical content: PHQ-9 item scores, symptom courses and interpersonal inventories.

Nothing here identifies a person: inventory entries are aliases ("partner", "mother"), and
formulations, rationales and plans are opaque document references.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.measures import outcome
from domain.values import Contingencies, Relationship

PHQ9_ITEMS = 9
_SYMPTOM_ITEMS = 8
_ITEM_MAX = 3
EARLY_RESPONSE_SESSIONS = 6
"""Most of the change happens early: the course reaches its final level by this session."""

THERAPISTS = ("t-amara", "t-bruno", "t-chen", "t-dana", "t-emeka")
CONTINGENCIES = Contingencies(
    missed_sessions="policy/missed-sessions-v2", holidays="policy/holidays-v1",
    illness="policy/illness-v1", between_session_contact="policy/contact-v1",
    crisis_plan="plan/crisis-standard-v3",
)


def phq9(total: int, item9: int = 0, offset: int = 0) -> tuple[int, ...]:
    """Nine item scores summing to ``total`` with item 9 (self-harm) set to ``item9``.

    The symptom points are dealt round-robin over items 1-8 from ``offset``, so totals up to
    24 + item 9 fit and different pathways weight different symptoms.
    """
    rest = total - item9
    if not 0 <= rest <= _SYMPTOM_ITEMS * _ITEM_MAX or not 0 <= item9 <= _ITEM_MAX:
        msg = f"no PHQ-9 with total {total} and item 9 = {item9}"
        raise ValueError(msg)
    items = [0] * _SYMPTOM_ITEMS
    for point in range(rest):
        items[(offset + point) % _SYMPTOM_ITEMS] += 1
    return (*items, item9)


GAD7_ITEMS = 7
ANXIETY_SHARE = 0.75
"""The demo's clients are mostly depressed: their GAD-7 runs at about three quarters of the
PHQ-9 (a GAD-7 total tops out at 21 against the PHQ-9's 27)."""


def gad7(phq9_total: int, offset: int = 0) -> tuple[int, ...]:
    """Seven GAD-7 item scores following a PHQ-9 total, dealt round-robin from ``offset``."""
    total = min(GAD7_ITEMS * _ITEM_MAX, round(phq9_total * ANXIETY_SHARE))
    items = [0] * GAD7_ITEMS
    for point in range(total):
        items[(offset + point) % GAD7_ITEMS] += 1
    return tuple(items)


@dataclass(frozen=True)
class Course:
    """The PHQ-9 totals of one acute course: baseline, then one total after each session."""

    baseline: int
    final: int

    @classmethod
    def towards(cls, baseline: int, result: str) -> Course:
        """A course from ``baseline`` that ends in the outcome ``result`` (domain.md 5)."""
        final = {
            "remission": min(4, max(1, baseline // 5)),
            "response": max(5, baseline // 2 - 1),
            "partial": round(baseline * 0.65),
            "none": round(baseline * 0.85),
        }[result]
        course = cls(baseline, final)
        if outcome("phq9", baseline, final) != result:
            msg = f"baseline {baseline} cannot end in {result}"
            raise ValueError(msg)
        return course

    def after(self, session: int) -> int:
        progress = min(1.0, session / EARLY_RESPONSE_SESSIONS)
        return round(self.baseline - (self.baseline - self.final) * progress)


def inventory(focus: str, *, adolescent: bool = False) -> tuple[Relationship, ...]:
    """An interpersonal inventory whose candidate areas support the chosen ``focus``."""
    rel = Relationship
    close_one = rel(alias="friend A.", relation="friend", closeness=4, quality="supportive")
    if adolescent:
        parent = rel(alias="mother", relation="parent", closeness=4, quality="conflictual",
                     recent_change="dispute" if focus == "role_dispute" else "none",
                     candidate_areas=("role_dispute",) if focus == "role_dispute" else ())
        school = rel(alias="class group", relation="peers", closeness=2, quality="distant",
                     recent_change="role_change" if focus == "role_transition" else "none",
                     candidate_areas=("role_transition",) if focus == "role_transition" else ())
        return (parent, school, close_one)
    entries = {
        "role_dispute": (rel(alias="partner", relation="partner", closeness=4,
                             quality="conflictual", recent_change="dispute",
                             candidate_areas=("role_dispute",)), close_one),
        "role_transition": (rel(alias="manager", relation="colleague", closeness=2,
                                quality="ambivalent", recent_change="role_change",
                                candidate_areas=("role_transition",)), close_one),
        "grief": (rel(alias="father", relation="parent", closeness=5, quality="supportive",
                      deceased=True, recent_change="death", candidate_areas=("grief",)),
                  rel(alias="sister", relation="sibling", closeness=3, quality="supportive")),
        "interpersonal_deficits": (rel(alias="neighbour", relation="acquaintance", closeness=1,
                                       quality="distant", recent_change="isolation",
                                       candidate_areas=("interpersonal_deficits",)),),
        "ipaf": (rel(alias="partner", relation="partner", closeness=4, quality="ambivalent",
                     recent_change="dispute", candidate_areas=("ipaf",)),
                 rel(alias="mother", relation="parent", closeness=3, quality="distant")),
    }
    return entries[focus]


IPAF_PATTERNS = (
    "expects criticism, withdraws and then feels abandoned",
    "puts others first, resents it, then cuts contact",
    "seeks reassurance, fears being a burden, goes quiet",
)
