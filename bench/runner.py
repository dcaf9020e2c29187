"""Drive a :class:`~bench.workload.Workload` with W writer threads."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from bench.stats import ns_to_ms, percentile, throughput
from bench.workload import Workload

_Say = Callable[[str], None]
_ERROR_SAMPLES = 5  # error messages kept for the report


@dataclass(frozen=True)
class RunResult:
    """Outcome of one timed run. Latencies cover successful ops only."""

    writers: int
    requested_ops: int
    ops: int
    errors: int
    retries: int
    seconds: float
    ops_per_s: float
    p50_ms: float
    p99_ms: float
    setup_seconds: float = 0.0
    error_samples: tuple[str, ...] = ()


class _Shared:
    """State the writer threads update; each writer owns its own slots."""

    def __init__(self, writers: int) -> None:
        self.done = [0] * writers
        self.retries = [0] * writers
        self.latencies: list[list[int]] = [[] for _ in range(writers)]
        self.ended_ns = [0] * writers
        self.errors = 0
        self.error_samples: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()


def run_workload(
    workload: Workload,
    *,
    writers: int,
    ops: int,
    label: str = "workload",
    max_seconds: float | None = None,
    max_errors: int = 50,
    progress: bool = True,
    progress_interval: float = 1.0,
    out: TextIO | None = None,
) -> RunResult:
    """Set up ``workload``, run ``ops`` operations on ``writers`` threads (or
    stop at ``max_seconds``), tear it down, and summarise the timings."""
    if writers < 1 or ops < 0:
        raise ValueError("writers must be >= 1 and ops >= 0")
    stream = out if out is not None else sys.stderr

    def say(text: str) -> None:
        if progress:
            print(f"[bench] {label} w={writers}: {text}", file=stream, flush=True)

    say("setup ...")
    t_setup = time.perf_counter()
    try:
        workload.setup()
        setup_seconds = time.perf_counter() - t_setup
        say(f"setup done in {setup_seconds:.1f}s; running {ops} ops")
        shared = _Shared(writers)
        start_ns = _run_threads(
            workload,
            shared,
            writers=writers,
            ops=ops,
            max_seconds=max_seconds,
            max_errors=max_errors,
            say=say,
            interval=progress_interval,
        )
    finally:
        workload.teardown()
    return _summarise(
        shared, writers=writers, ops=ops, start_ns=start_ns, setup_seconds=setup_seconds, say=say
    )


def _run_threads(
    workload: Workload,
    shared: _Shared,
    *,
    writers: int,
    ops: int,
    max_seconds: float | None,
    max_errors: int,
    say: _Say,
    interval: float,
) -> int:
    barrier = threading.Barrier(writers + 1)
    deadline = [0]  # ns; set by the main thread once all writers are ready

    def writer(w: int) -> None:
        barrier.wait()
        for i in range(w, ops, writers):
            if shared.stop.is_set():
                break
            t0 = time.perf_counter_ns()
            if max_seconds is not None and t0 >= deadline[0]:
                break
            try:
                retried = workload.op(w, i)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with shared.lock:
                    shared.errors += 1
                    if len(shared.error_samples) < _ERROR_SAMPLES:
                        shared.error_samples.append(f"op {i}: {exc!r}")
                    if shared.errors > max_errors:
                        shared.stop.set()
                continue
            shared.latencies[w].append(time.perf_counter_ns() - t0)
            shared.done[w] += 1
            shared.retries[w] += retried or 0
        shared.ended_ns[w] = time.perf_counter_ns()

    threads = [
        threading.Thread(target=writer, args=(w,), name=f"bench-writer-{w}", daemon=True)
        for w in range(writers)
    ]
    for t in threads:
        t.start()
    start_ns = time.perf_counter_ns()
    if max_seconds is not None:
        deadline[0] = start_ns + int(max_seconds * 1e9)
    barrier.wait()
    try:
        _wait_with_progress(threads, shared, ops=ops, start_ns=start_ns, say=say, interval=interval)
    except BaseException:
        shared.stop.set()
        for t in threads:
            t.join()
        raise
    return start_ns


def _wait_with_progress(
    threads: list[threading.Thread],
    shared: _Shared,
    *,
    ops: int,
    start_ns: int,
    say: _Say,
    interval: float,
) -> None:
    next_report = time.perf_counter() + interval
    for t in threads:
        while t.is_alive():
            t.join(timeout=max(0.0, next_report - time.perf_counter()))
            if time.perf_counter() >= next_report:
                next_report += interval
                done = sum(shared.done)
                elapsed = (time.perf_counter_ns() - start_ns) / 1e9
                pct = 100.0 * done / ops if ops else 100.0
                say(
                    f"{done}/{ops} ops ({pct:.0f}%), "
                    f"{throughput(done, elapsed):.0f} ops/s, "
                    f"errors {shared.errors}, retries {sum(shared.retries)}, "
                    f"{elapsed:.1f}s"
                )


def _summarise(
    shared: _Shared,
    *,
    writers: int,
    ops: int,
    start_ns: int,
    setup_seconds: float,
    say: _Say,
) -> RunResult:
    end_ns = max(shared.ended_ns) if shared.ended_ns else start_ns
    seconds = max(0.0, (end_ns - start_ns) / 1e9)
    latencies = sorted(x for per_writer in shared.latencies for x in per_writer)
    done = sum(shared.done)
    result = RunResult(
        writers=writers,
        requested_ops=ops,
        ops=done,
        errors=shared.errors,
        retries=sum(shared.retries),
        seconds=seconds,
        ops_per_s=throughput(done, seconds),
        p50_ms=ns_to_ms(percentile(latencies, 50)),
        p99_ms=ns_to_ms(percentile(latencies, 99)),
        setup_seconds=setup_seconds,
        error_samples=tuple(shared.error_samples),
    )
    say(
        f"done: {done} ops in {seconds:.2f}s = {result.ops_per_s:.0f} ops/s, "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"errors {result.errors}, retries {result.retries}"
    )
    return result
