"""Reading ahead for a consumer catching up: the page after a full page, read while the last
one travels.

A consumer catching up asks for the page after the one it just got, and meanwhile the service
would sit idle: so after serving a full page, the next one is read (in one background thread
per process) and kept for a few seconds, and the consumer's next request takes it. Only what
follows a *full* page is read ahead, and a page read ahead is kept only if it is full too: the
events of a full page were all committed when it was read (positions commit in order) and
never change, so a page kept is the page a fresh read would give (its ``head`` is the head
when it was read). A page nobody takes is dropped after ``KEEP_SECONDS``, or when more than
``KEPT`` are waiting; a failed read ahead is forgotten (the request reads for itself).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

KEPT = 8
KEEP_SECONDS = 10.0
T = TypeVar("T")

_now = time.monotonic
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """One thread a process reads ahead for every feed in it."""
    global _pool  # noqa: PLW0603 - one lazily made pool a process
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-read-ahead")
        return _pool


class ReadAhead(Generic[T]):
    """Pages read ahead, by the request that will ask for them."""

    def __init__(self, keep: Callable[[T], bool]) -> None:
        self._keep = keep
        self._waiting: dict[Hashable, tuple[float, Future[T]]] = {}
        self._lock = threading.Lock()

    def take(self, key: Hashable) -> T | None:
        """The page read ahead for ``key`` (waiting for it if it is being read), or None."""
        with self._lock:
            found = self._waiting.pop(key, None)
        if found is None:
            return None
        try:
            page = found[1].result()
        except Exception:  # noqa: BLE001 - the request reads for itself and meets the error
            return None
        return page if self._keep(page) else None

    def start(self, key: Hashable, read: Callable[[], T]) -> None:
        """Read ``key``'s page in the background."""
        now = _now()
        with self._lock:
            if key in self._waiting:
                return
            for stale in [k for k, (at, _) in self._waiting.items()
                          if now - at > KEEP_SECONDS]:
                self._waiting.pop(stale)[1].cancel()
            while len(self._waiting) >= KEPT:
                self._waiting.pop(next(iter(self._waiting)))[1].cancel()
            self._waiting[key] = (now, _executor().submit(read))
