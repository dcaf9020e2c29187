"""Smoke run of the benchmark harness on PostgreSQL with tiny numbers (< 30 s).

Needs a server DSN (the harness creates and drops its own databases). Skips when
the server is unreachable, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from bench import main, run_benchmark
from bench.bare import bare_factory
from bench.database import DB_PREFIX

SERVER_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server_dsn() -> str:
    try:
        with psycopg.connect(SERVER_DSN, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL not reachable at {SERVER_DSN}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL. {reason}", pytrace=False)
        pytest.skip(reason)
    return SERVER_DSN


def bench_databases(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (DB_PREFIX + "%",)
        ).fetchall()
    return {row[0] for row in rows}


def test_cli_runs_carepath_raw_and_bare(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = bench_databases(server_dsn)
    out = tmp_path / "bench.json"
    argv = ["--dsn", server_dsn, "--sections", "write", "--ops", "20", "--writers", "1,2",
            "--history", "3"]
    assert main([*argv, "--payload-bytes", "200", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "carepath/bare" in text
    data = json.loads(out.read_text(encoding="utf-8"))
    runs = {(r["scenario"], r["writers"]): r for r in data["results"]}
    assert set(runs) == {(s, w) for s in ("carepath", "raw", "bare") for w in (1, 2)}
    for run in runs.values():
        assert (run["ops"], run["errors"]) == (20, 0)
        assert run["ops_per_s"] > 0
    assert runs[("bare", 2)]["stored_bytes_per_event"] == pytest.approx(200, abs=8)
    assert {r["name"] for r in data["ratios"]} == {"carepath/raw", "carepath/bare", "bare/raw"}
    # Databases of this run are gone (other runs may be using the server).
    assert bench_databases(server_dsn) <= before


def test_a_carepath_factory_plugs_in(server_dsn: str) -> None:
    # Stand-in for the carepath workload: any WorkloadFactory will do.
    stand_in = bare_factory(payload_bytes=200, history=3, progress=False)
    report = run_benchmark(
        server_dsn,
        ops=20,
        writers=(2,),
        carepath_workload_factory=stand_in,
        progress=False,
        history=3,
        payload_bytes=200,
    )
    assert report.carepath_measured
    names = [r.name for r in report.ratios()]
    assert names == ["carepath/raw", "carepath/bare", "bare/raw"]
    assert all(r.value is not None and r.value > 0 for r in report.ratios())
    assert report.meets_bar() is not None


def test_the_speed_sections_print_each_figure_with_its_bar(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "speed.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "history,decode,http",
            "--history-commands", "3", "--http-ops", "6", "--http-concurrent-ops", "16",
            "--http-writers", "2", "--http-rounds", "1", "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "history (sqlite)" in text
    assert "history (postgresql)" in text
    assert "bar <= 1.5" in text
    assert "us/event through the mapper" in text
    assert "bar <= +0.7 ms" in text
    assert "bar >= 0.8" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    assert {"history_sqlite", "history_postgresql", "decode", "http"} <= sections.keys()
    assert sections["http"]["ops_per_s"][1] > 0


def test_the_rebuild_section_prints_its_ratio_on_both_stores(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rebuild.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "rebuild", "--rebuild-events", "600",
            "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "rebuild (sqlite):" in text
    assert "rebuild (postgresql):" in text
    assert "bar >= 0.25" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    for store in ("sqlite", "postgresql"):
        section = sections[f"rebuild_{store}"]
        assert section["events"] >= 600
        assert section["ratio"] > 0
        assert {"read", "decode", "pathways"} <= section["stages"].keys()


def test_the_lag_and_endpoint_sections_print_their_p99_against_the_bars(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "read.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "lag,endpoints", "--lag-rate", "20",
            "--lag-seconds", "1", "--lag-pathways", "10", "--endpoint-pathways", "20",
            "--endpoint-rounds", "2", "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "lag (postgresql):" in text
    assert "bar < 250 ms" in text
    assert "endpoints (sqlite):" in text
    assert "endpoints (postgresql):" in text
    assert "bar < 50 ms" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    assert sections["lag"]["commands"] == 20
    assert 0 < sections["lag"]["p99_ms"] < 30_000
    assert set(sections["lag"]["p99_ms_per_projection"]) >= {"pathways", "safety"}
    for store in ("sqlite", "postgresql"):
        section = sections[f"endpoints_{store}"]
        assert section["pathways"] == 20
        assert "/ops/dashboard/outcomes" in section["p99_ms"]


def test_the_verify_and_chain_sections_print_their_ratios_on_both_stores(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "verify.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "verify,chain", "--verify-events",
            "600", "--verify-repeat", "1", "--chain-commands", "5", "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "verify (sqlite):" in text
    assert "verify (postgresql):" in text
    assert "bar >= 0.5" in text
    assert "chain (sqlite):" in text
    assert "chain (postgresql):" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    for store in ("sqlite", "postgresql"):
        assert sections[f"verify_{store}"]["events"] >= 600
        assert sections[f"verify_{store}"]["ratio"] > 0
        assert sections[f"chain_{store}"]["commands"] == 5


def test_the_auth_section_prints_what_authentication_costs_a_command_on_both_stores(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "auth.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "auth", "--auth-commands", "5",
            "--json", str(out)]
    main(argv)  # its bar is a timing: the line, not the exit status, is what is checked
    text = capsys.readouterr().out
    assert "auth (sqlite): a command p50" in text
    assert "auth (postgresql): a command p50" in text
    assert "bar <= 0.3 ms" in text
    assert "(EdDSA)" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    for store in ("sqlite", "postgresql"):
        assert sections[f"auth_{store}"]["commands"] == 5
        assert sections[f"auth_{store}"]["with_auth_p50_ms"] > 0


def test_the_feed_section_prints_its_ratio_on_both_stores(
    server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "feed.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "feed", "--feed-events", "2500",
            "--feed-repeat", "1", "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "feed (sqlite): GET /events pages" in text
    assert "feed (postgresql): GET /events pages" in text
    assert "bar >= 0.25" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    for store in ("sqlite", "postgresql"):
        assert sections[f"feed_{store}"]["events"] >= 2500
        assert sections[f"feed_{store}"]["page"] == 1000
        assert sections[f"feed_{store}"]["ratio"] > 0


def test_the_groups_section_prints_the_group_session_ratio_on_both_stores(
        server_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "groups.json"
    argv = ["--dsn", server_dsn, "--quiet", "--sections", "groups", "--groups", "1",
            "--json", str(out)]

    assert main(argv) == 0

    text = capsys.readouterr().out
    assert "groups (sqlite): a group session of 9 members" in text
    assert "groups (postgresql):" in text
    sections = json.loads(out.read_text(encoding="utf-8"))["sections"]
    for store in ("sqlite", "postgresql"):
        section = sections[f"groups_{store}"]
        assert section["sessions"] == 20
        assert section["ratio"] == section["group_p50_ms"] / section["single_p50_ms"] > 0
        assert section["bar"] == 2.0
