"""A real HTTP server for tests that need one (streams, outages): the application under uvicorn
in a thread of the test's own process, on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from fastapi import FastAPI

from bench.api import free_port

__all__ = ["free_port", "uvicorn_thread"]


@contextmanager
def uvicorn_thread(app: FastAPI, *, lifespan: Literal["auto", "on", "off"] = "auto"
                   ) -> Iterator[str]:
    """``app`` served until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
