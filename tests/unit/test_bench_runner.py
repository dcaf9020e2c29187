"""The runner's scheduling and accounting, with an in-memory workload."""

from __future__ import annotations

import io
import threading

import pytest

from bench.runner import run_workload


class FakeWorkload:
    def __init__(self, fail_every: int = 0, fail_setup: bool = False) -> None:
        self.calls: list[tuple[int, int]] = []
        self.lock = threading.Lock()
        self.fail_every = fail_every
        self.fail_setup = fail_setup
        self.torn_down = False

    def setup(self) -> None:
        if self.fail_setup:
            raise RuntimeError("setup failed")

    def op(self, writer: int, i: int) -> int | None:
        with self.lock:
            self.calls.append((writer, i))
        if self.fail_every and i % self.fail_every == 0:
            raise ValueError(f"boom {i}")
        return 1 if i % 2 else None

    def teardown(self) -> None:
        self.torn_down = True


def test_each_op_runs_once_on_its_writer() -> None:
    workload = FakeWorkload()
    out = io.StringIO()
    res = run_workload(workload, writers=3, ops=30, label="fake", out=out)
    assert sorted(i for _, i in workload.calls) == list(range(30))
    assert all(i % 3 == w for w, i in workload.calls)
    assert (res.ops, res.errors, res.retries) == (30, 0, 15)
    assert res.ops_per_s > 0
    assert 0 <= res.p50_ms <= res.p99_ms
    assert workload.torn_down
    assert "fake w=3: done: 30 ops" in out.getvalue()


def test_errors_are_counted_and_sampled() -> None:
    workload = FakeWorkload(fail_every=5)
    res = run_workload(workload, writers=2, ops=20, progress=False)
    assert (res.ops, res.errors) == (16, 4)
    assert res.error_samples[0].startswith("op ")


def test_teardown_runs_when_setup_fails() -> None:
    workload = FakeWorkload(fail_setup=True)
    with pytest.raises(RuntimeError, match="setup failed"):
        run_workload(workload, writers=1, ops=1, progress=False)
    assert workload.torn_down
