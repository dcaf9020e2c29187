"""The filter form's therapist choices, from the read models (ids only, no names)."""

from __future__ import annotations

from services.composition import Container


def therapists(container: Container, chosen: str | None) -> list[str]:
    """Every therapist with a pathway in the read models (and the one chosen, if any)."""
    known: set[str] = set()
    if chosen:
        known.add(chosen)
    del container  # read from the caseload read model once it lands
    return sorted(known)
