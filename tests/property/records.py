"""What the independent model remembers of a history, and how it reports a broken rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class Violation(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise Violation(message)


@dataclass
class Measure:
    instrument: str
    total: int
    item9: int | None
    at: datetime
    sessions_before: int


@dataclass
class FlagModel:
    tier: str
    acknowledged: bool = False
    assessed: bool = False
    resolved: bool = False


@dataclass
class Session:
    number: int
    at: datetime
    phase: str
    focus: str | None
    parent: bool


