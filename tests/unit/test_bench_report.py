"""Benchmark arithmetic and report formatting (pure functions, no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.report import (
    BAR,
    Report,
    ScenarioResult,
    compute_ratio,
    format_table,
    to_json,
)
from bench.runner import RunResult
from bench.stats import percentile, ratio, throughput


def result(writers: int, ops_per_s: float, *, ops: int = 100) -> RunResult:
    return RunResult(
        writers=writers,
        requested_ops=ops,
        ops=ops,
        errors=0,
        retries=0,
        seconds=ops / ops_per_s,
        ops_per_s=ops_per_s,
        p50_ms=1.5,
        p99_ms=12.25,
    )


def scenario(name: str, writers: int, ops_per_s: float) -> ScenarioResult:
    return ScenarioResult(name, result(writers, ops_per_s), 600.0)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 3.0], 50) == 2.0


def test_percentile_edge_cases() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="out of range"):
        percentile([1.0], 101)


def test_throughput_and_ratio() -> None:
    assert throughput(2000, 4.0) == 500.0
    assert throughput(10, 0.0) == 0.0
    assert ratio(360.0, 400.0) == pytest.approx(0.9)
    assert ratio(1.0, 0.0) is None
    assert ratio(math.nan, 1.0) is None


def test_compute_ratio_matches_writer_counts() -> None:
    results = [scenario("carepath", 1, 300), scenario("bare", 1, 400), scenario("bare", 8, 100)]
    assert compute_ratio(results, "carepath", "bare", 1).value == pytest.approx(0.75)
    assert compute_ratio(results, "carepath", "bare", 8).value is None
    assert compute_ratio(results, "carepath", "bare", 8).name == "carepath/bare"


def test_report_without_carepath_gives_bare_over_raw_only() -> None:
    report = Report([scenario(n, w, s) for n, w, s in [("raw", 1, 1000), ("bare", 1, 250)]])
    assert [r.name for r in report.ratios()] == ["bare/raw"]
    assert report.ratios()[0].value == pytest.approx(0.25)
    assert report.meets_bar() is None
    assert "carepath: not measured" in report.render()


def test_report_with_carepath_checks_the_bar() -> None:
    rows = [("carepath", 1, 360), ("raw", 1, 1000), ("bare", 1, 400)]
    rows += [("carepath", 8, 300), ("raw", 8, 3000), ("bare", 8, 400)]
    report = Report([scenario(n, w, s) for n, w, s in rows])
    values = {(r.name, r.writers): r.value for r in report.ratios()}
    assert values[("carepath/bare", 1)] == pytest.approx(BAR)
    assert values[("carepath/bare", 8)] == pytest.approx(0.75)
    assert values[("carepath/raw", 8)] == pytest.approx(0.1)
    assert report.meets_bar() is False
    text = report.render()
    assert "meets bar" in text
    assert "BELOW bar" in text


def test_table_is_aligned_and_has_the_columns() -> None:
    table = format_table([scenario("raw", 1, 1234.56), scenario("carepath", 8, 98.7)])
    lines = table.splitlines()
    assert lines[0].split()[:6] == ["scenario", "writers", "ops", "ops/s", "p50", "ms"]
    assert "1234.6" in lines[1]
    assert "1.50" in lines[1]
    assert "12.25" in lines[1]
    assert len({len(line) for line in lines}) == 1  # right-aligned columns


def test_json_is_strict_even_with_nan(tmp_path: Path) -> None:
    empty = RunResult(1, 10, 0, 10, 0, 0.5, 0.0, math.nan, math.nan)
    report = Report([ScenarioResult("raw", empty)], settings={"ops": 10})
    path = tmp_path / "bench.json"
    report.write_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))  # strict: NaN would not parse back
    assert data["results"][0]["p50_ms"] is None
    assert data["results"][0]["scenario"] == "raw"
    assert data["carepath_measured"] is False
    assert data["settings"] == {"ops": 10}
    assert "NaN" not in to_json(report.to_dict())


def test_repeated_runs_use_median_throughput() -> None:
    rows = [("carepath", 1, v) for v in (100, 300, 200)] + [("bare", 1, v) for v in (200, 250, 400)]
    report = Report(
        [ScenarioResult(n, result(w, s), None, k % 3 + 1) for k, (n, w, s) in enumerate(rows)]
    )
    (care_bare,) = [r for r in report.ratios() if r.name == "carepath/bare"]
    assert care_bare.value == pytest.approx(200 / 250)
    text = report.render()
    assert "carepath #3" in text
    assert "median of 3 runs" in text
    assert text.index("carepath #1") < text.index("carepath #2") < text.index("bare #1")
