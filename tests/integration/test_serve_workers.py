"""``carepath serve --workers 2``: two server processes on one port and one SQLite file.

Each worker has its own application and cache; commands land on either, so each must
fast-forward from the store to decide on the latest state (session numbers refuse otherwise).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bench.api import free_port
from bench.carepath import initial_phase, middle_and_ending
from services.commands import ROUTES
from tests.tokens import SECRET_VARIABLE, TEST_SECRET, bearer

HEADERS = bearer("therapist", "t-1")
PATHS = {route.command: route.path for route in ROUTES}
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=200)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREPATH_")}
    env[SECRET_VARIABLE] = TEST_SECRET  # the tokens below are signed with it
    code = "import sys; from services.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code, "serve", "--workers", "2", "--port", str(port),
         "--data-dir", str(tmp_path)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()


def test_two_workers_decide_every_step_of_a_course_on_the_latest_state(server: str) -> None:
    opening = {"occurred_at": START.isoformat(), "client_ref": "client-w", "client_age": 40,
               "therapist_id": "t-1", "protocol": "ipt",
               "referral_date": START.date().isoformat()}
    with httpx.Client(base_url=server, headers=HEADERS, timeout=10) as client:
        opened = client.post("/pathways", json=opening, headers={"Idempotency-Key": "open"})
        assert opened.status_code == httpx.codes.CREATED, opened.text
        location = opened.headers["Location"]
        for step, command in enumerate([*initial_phase(START), *middle_and_ending(START)]):
            # A fresh connection each time, so the kernel may hand it to either worker.
            with httpx.Client(base_url=server, headers=HEADERS, timeout=10) as one:
                answer = one.post(f"{location}/{PATHS[type(command)]}",
                                  json=command.model_dump(mode="json"),
                                  headers={"Idempotency-Key": f"step-{step}"})
            assert answer.status_code == httpx.codes.CREATED, (step, answer.text)
        state = client.get(location)
        assert state.status_code == httpx.codes.OK
