"""Plain-text tables and values for the audit commands: columns sized to their content,
times in UTC to the minute, nothing coloured (the output goes to files and reviews)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, a rule under the header row."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows,
                                                                         strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
             .rstrip() for row in (headers, *rows)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


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
