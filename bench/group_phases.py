"""Where a group session's time goes, and a single command's: timers around their parts.

The ``groups`` section runs one more group after the timed ones with these timers on, so the
timed figures carry none of their cost (a few microseconds a call). The parts: reading the
aggregates (the group and its members brought up to date; a single command's pathway),
deciding (the domain, events built and applied), serialising the events (the mapper's
canonical bytes) and the database call (the events and the tamper-evidence tree inserted, and
the commit); ``other`` is what is left of the command (authorisation, idempotency, caches,
the result).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import services.groups
from services.composition import Container

PARTS = ("read", "decide", "serialise", "database")
_DECIDE_GROUP = "hold_group_session"
"""The domain's decision of a group session, as ``services.groups`` calls it."""


class Timers:
    """Time spent in each part since the last :meth:`lap`, per lap."""

    def __init__(self) -> None:
        self._spent: defaultdict[str, float] = defaultdict(float)
        self._started = time.perf_counter()
        self.laps: list[dict[str, float]] = []

    def timed(self, part: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self._spent[part] += time.perf_counter() - t0

        return timed_call

    def start(self) -> None:
        self._spent.clear()
        self._started = time.perf_counter()

    def lap(self) -> None:
        """Close one command: its parts, and ``other`` (the rest of its time), in ms."""
        total = time.perf_counter() - self._started
        parts = {part: self._spent[part] * 1e3 for part in PARTS}
        self.laps.append({**parts, "other": total * 1e3 - sum(parts.values()),
                          "total": total * 1e3})

    def medians(self) -> dict[str, float]:
        return {part: statistics.median(lap[part] for lap in self.laps)
                for part in (*PARTS, "other", "total")}


@contextmanager
def timing(container: Container, group: Timers, single: Timers) -> Iterator[None]:
    """Timers on the parts of group commands (``group``) and pathway commands (``single``)
    of ``container``'s application, for the block; a part belongs to whichever command runs.
    """
    pathways = container.pathways
    events = pathways.events
    active: list[Timers] = [single]

    def on(part: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            return active[0].timed(part, call)(*args, **kwargs)

        return timed_call

    def group_command(call: Callable[..., Any]) -> Callable[..., Any]:
        def as_group(*args: Any, **kwargs: Any) -> Any:
            active[0] = group
            try:
                return call(*args, **kwargs)
            finally:
                active[0] = single

        return as_group

    groups = container.groups
    patched: list[tuple[Any, str, Callable[..., Any]]] = [
        (groups, "execute", group_command(groups.execute)),
        (groups.store, "checkout_with_members", on("read", groups.store.checkout_with_members)),
        (services.groups, _DECIDE_GROUP, on("decide", vars(services.groups)[_DECIDE_GROUP])),
        (pathways, "_checkout", on("read", pathways._checkout)),
        (pathways, "_decide", on("decide", pathways._decide)),
        (events.mapper, "to_stored_event", on("serialise", events.mapper.to_stored_event)),
        (events.recorder, "insert_events", on("database", events.recorder.insert_events))]
    kept = [(owner, name, vars(owner).get(name)) for owner, name, _ in patched]
    for owner, name, call in patched:
        setattr(owner, name, call)
    try:
        yield
    finally:
        for owner, name, own in kept:
            if own is None:
                delattr(owner, name)  # back to the class's method
            else:
                setattr(owner, name, own)


def render(store: str, group: dict[str, float], single: dict[str, float]) -> str:
    def parts(medians: dict[str, float]) -> str:
        return ", ".join(f"{part} {medians[part]:.2f}" for part in (*PARTS, "other"))

    return (f"groups ({store}): where the time goes (medians in ms of one more group,"
            f" timed apart): a session {group['total']:.2f} ({parts(group)}); a single"
            f" command {single['total']:.2f} ({parts(single)})")
