"""What a panel answers: a chart, the same numbers as a table, and a sentence saying what it shows.

Each panel's module turns its read model's query results into this one shape, so the page's
script draws every chart the same way and every chart has its table (the text alternative a
screen reader reads, and the numbers a manager copies). Codes and counts only: no client's
reference or name ever reaches a panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from projections.store import Tx
from services.http.dashboard.filters import Filters
from services.http.views import View

ChartKind = Literal["bar", "stacked", "line", "funnel"]


class Link(View):
    text: str
    href: str


Cell = str | int | float | Link | None


class Series(View):
    name: str
    values: list[int | float | None]


class Chart(View):
    kind: ChartKind
    categories: list[str]
    """The x axis (a funnel's stages)."""
    series: list[Series]
    x_title: str
    y_title: str


class Table(View):
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    """The first cell of each row names it (a row header)."""


class Content(View):
    """What a panel's builder makes of its read model's answers."""

    summary: str
    """One or two sentences of what the numbers say: the chart's description."""
    chart: Chart | None
    tables: list[Table]
    note: str | None = None
    """How to read the panel, or what it leaves out."""


class Panel(Content):
    """The JSON answer of ``GET /ops/dashboard/<panel>``."""

    id: str
    title: str
    ready: bool = True
    """False while the read model is not built yet (no numbers to show)."""
    position: int = 0
    """The read model's log position these numbers are as of."""


Builder = Callable[[Tx, Filters, datetime], Content]


@dataclass(frozen=True)
class PanelSpec:
    """One panel of the dashboard, the read model it reads, and how it turns rows into numbers."""

    id: str
    title: str
    projection: str
    description: str
    """Shown under the title before the numbers arrive."""
    build: Builder
    chart: bool = True
    table_label: str = "The numbers as a table"
    tables_open: bool = False
    """The table is the panel itself (safety), not only the chart's alternative."""
    note: str | None = None
    joins: tuple[str, ...] = ()
    """Other read models it reads beside its own (their live tables, in the same snapshot)."""
