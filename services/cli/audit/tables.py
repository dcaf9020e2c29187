"""Plain-text tables for the audit commands: columns sized to their content, nothing
coloured (the output goes to files and reviews)."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, a rule under the header row."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows,
                                                                         strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
             .rstrip() for row in (headers, *rows)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
