"""The followers of one process, with what wakes them, started and stopped together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from projections.follower import Follower, FollowerOptions, wait_for
from projections.leader import Leadership
from projections.log import OrderedLog, Position
from projections.projection import Projection
from projections.store import ReadStore
from projections.wakeup import Listener, Wakeups

log = logging.getLogger("carepath.projections")


class ProjectionWorkers:
    """A follower per projection; on PostgreSQL also a LISTEN thread that wakes them."""

    def __init__(self, store: ReadStore, log_: OrderedLog, projections: Sequence[Projection],
                 leadership: Callable[[str], Leadership], *,
                 listen_conninfo: str | None = None,
                 options: FollowerOptions | None = None) -> None:
        self.store = store
        self.wakeups = Wakeups()
        self.followers = {p.name: Follower(store, log_, p, leadership(p.name), options)
                          for p in projections}
        for follower in self.followers.values():
            self.wakeups.subscribe(follower.wake)
        channel = log_.wake_channel
        self.listener = (Listener(listen_conninfo, channel, self.wakeups)
                         if listen_conninfo is not None and channel is not None else None)
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        if self.listener is not None:
            self.listener.start()
        for follower in self.followers.values():
            follower.start()
        log.info("projections: following the log into %s",
                 ", ".join(self.followers) or "no read model")

    def stop(self, timeout: float = 5.0) -> None:
        if not self.started:
            return
        for follower in self.followers.values():
            follower.stop(0)
        for follower in self.followers.values():
            follower.stop(timeout)
        if self.listener is not None:
            self.listener.stop(timeout)
        self.started = False

    def wait_for(self, name: str, position: Position, timeout: float) -> bool:
        """Wait until read model ``name`` has applied ``position`` (see ``follower.wait_for``)."""
        self.wakeups.notify()
        return wait_for(self.store, name, position, timeout)
