"""What wakes an idle event stream: a save in this process, or its poll coming round.

The write application calls :meth:`LogSignal.notify` after each save (from whichever thread
saved); every stream of this process waiting on it wakes at once. Saves by other processes
(other replicas on PostgreSQL, a CLI on SQLite) are not heard: a stream polls the log every
``POLL_SECONDS`` behind the signal, so they reach it within that time.

A stream that reads the log and then waits could miss a save made in between; so it notes
:attr:`LogSignal.saves` *before* reading, and :meth:`LogSignal.wait` returns at once when a
save has happened since.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

POLL_SECONDS = 1.0
"""The longest an idle stream waits before reading the log again without being woken."""


class LogSignal:
    """In-process fan-out of "the log has grown" to waiting asyncio streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._saves = 0
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def saves(self) -> int:
        """How many saves this process has signalled (compare before and after a read)."""
        return self._saves

    def notify(self, *_: Any) -> None:
        """A save happened (``Pathways.on_saved`` calls it with the log position)."""
        with self._lock:
            self._saves += 1
            waiting = list(self._waiting)
        for loop, event in waiting:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that stream's loop has closed: nobody to wake
                continue

    async def wait(self, seen: int, timeout: float) -> bool:
        """Wait until a save after ``seen`` saves, at most ``timeout`` seconds; True if woken
        by a save."""
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            if self._saves != seen:
                return True
            self._waiting.add(entry)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiting.discard(entry)
        return True
