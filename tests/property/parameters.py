"""Realistic parameters for the commands the machine writes: item vectors per instrument and
course, inventories pointing to each problem area, a reason, signatures."""

from __future__ import annotations

from domain.values import Relationship, Signature
from tests.journeys import INVENTORY

VECTORS: dict[str, dict[str, tuple[int, ...]]] = {
    "phq9": {
        "moderate": (2, 2, 2, 2, 1, 1, 1, 1, 0),  # 12
        "severe": (3, 3, 3, 3, 3, 3, 2, 2, 0),  # 22
        "moderate_risk": (2, 2, 2, 2, 1, 1, 1, 0, 1),  # 12, item 9 = 1
        "urgent_risk": (2, 2, 2, 2, 1, 1, 1, 0, 2),  # 13, item 9 = 2
        "none": (2, 2, 1, 1, 1, 1, 1, 1, 0),  # 10
        "partial": (1, 1, 1, 1, 1, 1, 1, 1, 0),  # 8
        "response": (1, 1, 1, 1, 1, 1, 0, 0, 0),  # 6
        "remission": (1, 0, 1, 0, 0, 1, 0, 0, 0),  # 3
    },
    "gad7": {
        "moderate": (2, 2, 2, 1, 1, 1, 1),  # 10
        "partial": (1, 1, 1, 1, 1, 1, 1),  # 7
        "remission": (1, 0, 1, 0, 0, 1, 0),  # 3
    },
    "hamd17": {
        "moderate": (2, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1),  # 18
        "partial": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),  # 12
        "remission": (1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0),  # 6
    },
}
BASELINES = ("moderate", "moderate", "moderate", "severe", "moderate_risk", "urgent_risk")
COURSES = ("remission", "remission", "response", "partial", "none")

INVENTORIES: dict[str, tuple[Relationship, ...]] = {
    "dispute_and_death": INVENTORY,
    "dispute": (INVENTORY[0],),
    "transition": (Relationship(alias="colleague", relation="work", closeness=2,
                                quality="ambivalent", recent_change="role_change",
                                candidate_areas=("role_transition",)),),
    "isolated": (Relationship(alias="J.", relation="friend", closeness=1, quality="distant",
                              recent_change="isolation",
                              candidate_areas=("interpersonal_deficits",)),),
    "pattern": (Relationship(alias="sister", relation="sibling", closeness=3,
                             quality="ambivalent", candidate_areas=("ipaf",)),),
}
REASON = "clinical judgement, see note ref/r-1"


def signatures(*signers: str) -> tuple[Signature, ...]:
    return tuple(Signature(signer=s, signed_by=f"{s}-1") for s in signers)  # type: ignore[arg-type]

