"""Value objects shared by commands and events: immutable, validated, free of identities.

Names in the inventory are aliases ("mother", "J."); free-text notes never appear, only opaque
references to a separate notes store.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.phi import PHI
from domain.vocabulary import Channel, Format, ProblemArea, Signer

__all__ = ["Channel", "Contingencies", "Format", "Frequency", "ProblemArea", "Reference",
           "Relationship", "ShortText", "Signature", "Signer", "Value"]

Frequency = Literal["weekly", "twice_weekly", "fortnightly", "twice_monthly", "monthly"]

_PRINTABLE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
"""Some visible text and no control characters (NUL breaks PostgreSQL text; the rest hide
content from reviewers). Written without look-arounds so pydantic and JSON Schema agree."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80,
                                             pattern=_PRINTABLE)]
Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                           pattern=_PRINTABLE)
]
"""An opaque pointer into another store (notes, documents), never the content itself."""


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Relationship(Value):
    """One line of the interpersonal inventory."""

    alias: Annotated[ShortText, PHI]
    relation: Annotated[ShortText, PHI]
    closeness: int = Field(ge=1, le=5, description="1 distant .. 5 very close")
    quality: Literal["supportive", "conflictual", "ambivalent", "distant"]
    deceased: bool = False
    recent_change: Literal["none", "death", "dispute", "role_change", "isolation"] = "none"
    candidate_areas: tuple[ProblemArea, ...] = ()


class Contingencies(Value):
    """What the contract says happens when life intervenes (each an agreed policy reference)."""

    missed_sessions: Reference
    holidays: Reference
    illness: Reference
    between_session_contact: Reference
    crisis_plan: Reference


class Signature(Value):
    signer: Signer
    signed_by: Annotated[ShortText, PHI]
    """Opaque id of the person signing (user id or client reference)."""
