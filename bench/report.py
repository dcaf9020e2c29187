"""Benchmark report: the results table, the throughput ratios, JSON output."""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.runner import RunResult
from bench.stats import ratio

BAR = 0.9  # the bar: carepath/bare throughput ratio
SCENARIOS = ("carepath", "raw", "bare")
COLUMNS = (
    "scenario",
    "writers",
    "ops",
    "ops/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "retries",
    "B/event",
)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str  # "carepath", "raw" or "bare"
    result: RunResult
    stored_bytes_per_event: float | None = None
    round: int = 1  # 1-based; > 1 when the benchmark is repeated


@dataclass(frozen=True)
class Ratio:
    numerator: str
    denominator: str
    writers: int
    value: float | None  # None: one side missing or zero throughput

    @property
    def name(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass
class Report:
    results: list[ScenarioResult]
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def carepath_measured(self) -> bool:
        return any(r.scenario == "carepath" for r in self.results)

    def writer_counts(self) -> list[int]:
        return sorted({r.result.writers for r in self.results})

    def ratios(self) -> list[Ratio]:
        pairs = [("carepath", "raw"), ("carepath", "bare")]
        if not self.carepath_measured:
            pairs = []
        pairs.append(("bare", "raw"))
        return [
            compute_ratio(self.results, num, den, w)
            for num, den in pairs
            for w in self.writer_counts()
        ]

    def meets_bar(self) -> bool | None:
        """carepath/bare >= BAR for every writer count; None if not measured."""
        values = [r.value for r in self.ratios() if r.name == "carepath/bare"]
        if not values or any(v is None for v in values):
            return None
        return all(v is not None and v >= BAR for v in values)

    def render(self) -> str:
        return "\n".join([format_table(self.results), "", *format_ratios(self), *self.notes])

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "results": [
                {
                    "scenario": r.scenario,
                    "round": r.round,
                    "stored_bytes_per_event": r.stored_bytes_per_event,
                    **dataclasses.asdict(r.result),
                }
                for r in self.results
            ],
            "ratios": [
                {"name": r.name, "writers": r.writers, "value": r.value} for r in self.ratios()
            ],
            "carepath_measured": self.carepath_measured,
            "meets_bar": self.meets_bar(),
            "bar": BAR,
            "notes": self.notes,
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(to_json(self.to_dict()) + "\n", encoding="utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(data: dict[str, Any]) -> str:
    """Strict JSON (NaN and infinities become null)."""
    return json.dumps(_finite(data), indent=2, sort_keys=True)


def median_throughput(results: list[ScenarioResult], scenario: str, writers: int) -> float | None:
    """Median ops/s over the rounds of ``scenario`` at ``writers``; None if absent."""
    values = [
        r.result.ops_per_s
        for r in results
        if r.scenario == scenario and r.result.writers == writers
    ]
    return statistics.median(values) if values else None


def compute_ratio(
    results: list[ScenarioResult], numerator: str, denominator: str, writers: int
) -> Ratio:
    """Throughput ratio ``numerator / denominator`` at ``writers`` (medians
    over rounds when the benchmark was repeated)."""
    num = median_throughput(results, numerator, writers)
    den = median_throughput(results, denominator, writers)
    value = None
    if num is not None and den is not None:
        value = ratio(num, den)
    return Ratio(numerator, denominator, writers, value)


def _fmt(value: float | None, digits: int) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def _order(r: ScenarioResult) -> tuple[int, int, int]:
    rank = SCENARIOS.index(r.scenario) if r.scenario in SCENARIOS else len(SCENARIOS)
    return (r.result.writers, rank, r.round)


def format_table(results: list[ScenarioResult]) -> str:
    """One row per run; ``name #n`` marks round n when the run was repeated."""
    repeated = any(r.round > 1 for r in results)
    rows = [COLUMNS] + [
        (
            f"{r.scenario} #{r.round}" if repeated else r.scenario,
            str(r.result.writers),
            str(r.result.ops),
            _fmt(r.result.ops_per_s, 1),
            _fmt(r.result.p50_ms, 2),
            _fmt(r.result.p99_ms, 2),
            str(r.result.errors),
            str(r.result.retries),
            _fmt(r.stored_bytes_per_event, 0),
        )
        for r in sorted(results, key=_order)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_ratios(report: Report) -> list[str]:
    lines = []
    if not report.carepath_measured:
        lines.append(
            "carepath: not measured (no carepath workload factory "
            "given); ratios below are bare/raw only"
        )
    rounds = max((r.round for r in report.results), default=1)
    of = f" (median of {rounds} runs)" if rounds > 1 else ""
    for r in report.ratios():
        text = f"{r.name:<14} writers={r.writers:<3} throughput ratio{of} {_fmt(r.value, 3)}"
        if r.name == "carepath/bare" and r.value is not None:
            text += f"  ({'meets' if r.value >= BAR else 'BELOW'} bar {BAR})"
        lines.append(text)
    return lines
