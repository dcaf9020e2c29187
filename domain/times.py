"""Clinical times and dates as commands accept them: ISO 8601 text, stored in UTC, since 1900.

Pydantic's lax mode reads ``"1700000000"`` (or ``1700000000``) as a Unix time and keeps the
caller's offset; a clinical record must hold what the caller meant, and the event store holds
UTC only. So a time is refused unless it is ISO 8601 text (or a Python ``datetime``), any
offset is converted to UTC, and nothing before 1900 counts as a clinical time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

EARLIEST_YEAR = 1900
_DATE = r"(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])"
_ISO_DATETIME = re.compile(_DATE + "[Tt ]" + _TIME + _OFFSET)
"""Microseconds at most: finer digits would be dropped without a word."""
_ISO_DATE = re.compile(_DATE)
DATETIME_PATTERN = "^" + _ISO_DATETIME.pattern + "$"
DATE_PATTERN = "^" + _ISO_DATE.pattern + "$"


def _iso_text(pattern: re.Pattern[str], example: str, python_type: type) -> Any:
    def check(value: object) -> object:
        if isinstance(value, python_type):
            return value
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        msg = f"must be ISO 8601 text such as {example!r}, not a number or another format"
        raise ValueError(msg)

    return BeforeValidator(check)


def _since_1900(value: date) -> None:
    if value.year < EARLIEST_YEAR:
        msg = f"must not be before {EARLIEST_YEAR}"
        raise ValueError(msg)


def _in_utc(value: datetime) -> datetime:
    _since_1900(value)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        msg = "is out of range once converted to UTC"
        raise ValueError(msg) from None
    _since_1900(utc)
    return utc


def _clinical_date(value: date) -> date:
    _since_1900(value)
    return value


ClinicalTime = Annotated[
    AwareDatetime,
    _iso_text(_ISO_DATETIME, "2026-01-05T09:00:00Z", datetime),
    AfterValidator(_in_utc),
    Field(description="ISO 8601 date-time with an offset (`Z` or `+02:00`), not before 1900;"
                      " stored and shown in UTC.",
          json_schema_extra={"pattern": DATETIME_PATTERN}),
]
"""A clinical time: any offset in, UTC out."""

ClinicalDate = Annotated[
    date,
    _iso_text(_ISO_DATE, "2026-01-05", date),
    AfterValidator(_clinical_date),
    Field(description="ISO 8601 calendar date (`YYYY-MM-DD`), not before 1900.",
          json_schema_extra={"pattern": DATE_PATTERN}),
]
