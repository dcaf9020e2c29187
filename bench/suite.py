"""The benchmark suite: every scenario x writer count, each in a fresh database."""

from __future__ import annotations

import platform

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.bare import bare_factory
from bench.database import fresh_database
from bench.raw import raw_factory
from bench.report import Report, ScenarioResult
from bench.runner import run_workload
from bench.workload import ReportsStoredBytes, WorkloadFactory


def run_benchmark(
    server_dsn: str,
    *,
    ops: int,
    writers: tuple[int, ...] = (1, 8),
    carepath_workload_factory: WorkloadFactory | None = None,
    progress: bool = True,
    history: int = 30,
    payload_bytes: int = 600,
    streams: int | None = None,
    max_seconds: float | None = None,
    repeat: int = 1,
) -> Report:
    """Run carepath (if a factory is given), raw and bare for each writer
    count, each scenario in its own fresh database, and build the report.

    With ``repeat > 1`` the whole sequence runs that many times (scenarios
    interleaved, so drift hits all of them) and ratios use median throughput.
    """
    scenarios: list[tuple[str, WorkloadFactory]] = []
    if carepath_workload_factory is not None:
        scenarios.append(("carepath", carepath_workload_factory))
    scenarios.append(("raw", raw_factory(payload_bytes, history)))
    scenarios.append(
        ("bare", bare_factory(payload_bytes, history, streams=streams, progress=progress))
    )
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    results = [
        _run_one(
            server_dsn,
            name,
            factory,
            writers=w,
            ops=ops,
            round_=n,
            label=f"{name} #{n}" if repeat > 1 else name,
            max_seconds=max_seconds,
            progress=progress,
        )
        for n in range(1, repeat + 1)
        for w in writers
        for name, factory in scenarios
    ]
    settings = {
        "repeat": repeat,
        "ops": ops,
        "writers": list(writers),
        "history": history,
        "payload_bytes": payload_bytes,
        "streams": streams,
        "max_seconds": max_seconds,
        **_environment(server_dsn),
    }
    return Report(results, settings, _notes(results, payload_bytes, history))


def _run_one(
    server_dsn: str,
    name: str,
    factory: WorkloadFactory,
    *,
    writers: int,
    ops: int,
    round_: int,
    label: str,
    max_seconds: float | None,
    progress: bool,
) -> ScenarioResult:
    """One scenario at one writer count, in its own fresh database."""
    with fresh_database(server_dsn) as dsn:
        workload = factory(dsn, writers, ops)
        result = run_workload(
            workload,
            writers=writers,
            ops=ops,
            label=label,
            max_seconds=max_seconds,
            progress=progress,
        )
    stored = workload.stored_bytes_per_event() if isinstance(workload, ReportsStoredBytes) else None
    return ScenarioResult(name, result, stored, round_)


def _environment(server_dsn: str) -> dict[str, str]:
    params = conninfo_to_dict(server_dsn)
    with psycopg.connect(server_dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "server": f"{params.get('host', 'localhost')}:{params.get('port', 5432)}",
        "server_version": str(row[0]) if row else "?",
        "python": platform.python_version(),
    }


def _notes(results: list[ScenarioResult], payload_bytes: int, history: int) -> list[str]:
    notes = [
        f"each op: raw = 1 INSERT transaction of {payload_bytes} B; "
        f"bare = get (stream of {history} events) + 1 event + save; "
        f"B/event = stored event state"
    ]
    for r in results:
        where = f"{r.scenario} w={r.result.writers} run {r.round}"
        if r.result.errors:
            samples = "; ".join(r.result.error_samples)
            notes.append(f"{where}: {r.result.errors} errors, e.g. {samples}")
        if r.result.ops < r.result.requested_ops:
            notes.append(f"{where}: only {r.result.ops}/{r.result.requested_ops} ops done")
    sizes = [r.stored_bytes_per_event for r in results if r.scenario == "carepath"]
    size = next((x for x in sizes if x), None)
    if size and abs(size - payload_bytes) > 0.1 * payload_bytes:
        notes.append(
            f"carepath stores {size:.0f} B/event but raw/bare used {payload_bytes} B: "
            f"rerun with --payload-bytes {size:.0f}"
        )
    return notes
