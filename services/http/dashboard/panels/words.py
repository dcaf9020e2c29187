"""How the panels name phases and reasons, and format shares."""

from __future__ import annotations

PHASE_LABELS = {
    "initial": "Initial",
    "middle": "Middle",
    "termination": "Termination",
    "completed": "Completed",
    "maintenance": "Maintenance",
    "closed": "Closed",
}


def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, phase)


def words(code: str) -> str:
    """``dropped_out`` -> ``dropped out``: a code read aloud, still the code."""
    return code.replace("_", " ")


def share(part: int, whole: int) -> str | None:
    """A percentage, or None (shown as a dash) when there is nothing to share."""
    return None if whole == 0 else f"{100 * part / whole:.0f}%"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
