"""Times as auditors type them: an ISO 8601 date-time with an offset, or a date.

A date alone stands for the end of that day in UTC, so "as of 2026-03-01" includes everything
on the first of March; as a period's start (``since``) it is the day's first instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from services.audit.errors import InvalidInstant

_END_OF_DAY = time(23, 59, 59, 999999)


def instant(text: str, field: str, *, start_of_day: bool = False) -> datetime:
    """``text`` as an aware UTC datetime, or ``InvalidInstant`` naming ``field``."""
    cleaned = text.strip()
    try:
        if len(cleaned) == len("2026-03-01"):
            day = date.fromisoformat(cleaned)
            return datetime.combine(day, time(0) if start_of_day else _END_OF_DAY, tzinfo=UTC)
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInstant(field, "must be an ISO 8601 date (2026-03-01) or date-time with"
                                    " an offset (2026-03-01T09:30:00Z)") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInstant(field, "a date-time needs an offset (Z or +02:00): without one"
                                    " the instant is ambiguous")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidInstant(field, "lies outside the years 1-9999 in UTC") from None
