"""How the audit shows values to people (the CLI's tables and the audit page alike): times
in UTC to the minute, rule ids as their numbers, state values on one line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson


def when(moment: datetime | str | None) -> str:
    """``2026-03-05 12:00Z``: the minute, in UTC."""
    if moment is None:
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M") + "Z"


def rules(rule_ids: Sequence[str]) -> str:
    """``IPT-05 IPT-17`` as ``05 17`` under an ``IPT-`` header; ``-`` for none recorded."""
    return " ".join(rule.removeprefix("IPT-") for rule in rule_ids) or "-"


def value(item: Any) -> str:
    """A state value on one line: text as is, anything else as compact JSON."""
    if isinstance(item, str):
        return item
    return orjson.dumps(item).decode()
