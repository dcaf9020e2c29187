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


def rate(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.0f}%"


def days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def age(seconds: float | None) -> str | None:
    """``3 d 4 h``, ``5 h 20 min``, ``12 min``: how long a flag has been open."""
    if seconds is None:
        return None
    minutes = max(0, int(seconds // 60))
    day, rest = divmod(minutes, 24 * 60)
    hour, minute = divmod(rest, 60)
    if day:
        return f"{day} d {hour} h"
    return f"{hour} h {minute} min" if hour else f"{minute} min"


def pathway_code(pathway_id: str) -> str:
    """A pathway's short code (its id's first 8 characters): a code, never a client's name."""
    return str(pathway_id)[:8]
