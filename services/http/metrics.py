"""``GET /metrics``: Prometheus text for the read side and the commands this process answered.

Per projection (read from the tracking rows and the log at scrape time, so the numbers hold
whichever process runs the workers): the live generation's lag in events and seconds, its
position (events applied: positions have no gaps, and a new generation takes over only at the
head, so the count never goes back), and the log's head. Open safety flags by tier come from
the safety read model. Commands are counted in this process as the application answers them
(``Pathways.on_command``, which a group's commands report to as well), by command, outcome and
rule id; with ``serve --workers N`` each process counts its own, so scrape each (or sum by
instance).

Each application has a registry of its own (not the library's global one), so several apps in
one process (tests) never collide. The route returns ``generate_latest()`` itself: mounting the
library's ASGI app would redirect ``/metrics`` to ``/metrics/``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from domain.pathway import commands as c
from projections.live import ReadModelNotReady, reading_live
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.safety import SafetyProjection
from projections.safety.view import open_flag_counts
from projections.status import projection_status
from services.application import Answered
from services.composition import Container
from services.errors import (
    ConcurrencyConflict,
    GroupNotFound,
    IdempotencyKeyReused,
    PathwayNotFound,
    StoreUnavailable,
    VersionMismatch,
)

log = logging.getLogger("carepath.http")
router = APIRouter()
_OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (ReasonRequired, "reason_required"),
    (RuleViolation, "refused"),
    (InvalidCommand, "invalid"),
    (PathwayNotFound, "not_found"),
    (GroupNotFound, "not_found"),
    (VersionMismatch, "version_mismatch"),
    (ConcurrencyConflict, "conflict"),
    (IdempotencyKeyReused, "key_reused"),
    (StoreUnavailable, "unavailable"),
)


def outcome_of(result: Answered | None, error: Exception | None) -> tuple[str, str]:
    """(outcome, rule id or "") of one answered command."""
    if error is None:
        return ("replayed" if result is not None and result.replayed else "recorded"), ""
    rule = error.rule if isinstance(error, RuleViolation) else ""
    outcome = next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")
    return outcome, rule


class CommandMetrics:
    """Counts commands as the application answers them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.commands = Counter("carepath_commands", "Commands answered, by outcome and rule id",
                                ("command", "outcome", "rule"), registry=registry)

    def __call__(self, command: c.Command, result: Answered | None,
                 error: Exception | None) -> None:
        outcome, rule = outcome_of(result, error)
        self.commands.labels(type(command).__name__, outcome, rule).inc()


class ReadSideCollector(Collector):
    """Projection lag and positions, and open safety flags, read at each scrape."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("carepath_read_side_up",
                               "1 when the read models and the log could be read for this scrape")
        try:
            families = list(self._projections()) + list(self._flags())
        except Exception as error:  # noqa: BLE001 - a scrape answers even when the store is down
            log.warning("metrics: the read side could not be read: %s", error)
            families = []
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families

    def _projections(self) -> Iterator[Metric]:
        lag_events = GaugeMetricFamily("carepath_projection_lag_events",
                                       "Events in the log the live read model has not applied",
                                       labels=("projection",))
        lag_seconds = GaugeMetricFamily(
            "carepath_projection_lag_seconds",
            "Age of the oldest event the live read model has not applied", labels=("projection",))
        applied = CounterMetricFamily("carepath_projection_events_applied",
                                      "Events the live read model has applied",
                                      labels=("projection",))
        head = GaugeMetricFamily("carepath_log_head", "Position of the latest stored event")
        log_ = OrderedLog(self.container.pathways)
        rows = projection_status(self.container.read_store, log_, all_projections())
        for row in rows:
            lag_events.add_metric([row.name], row.lag_events)
            lag_seconds.add_metric([row.name], row.lag_seconds)
            applied.add_metric([row.name], row.position)
        head.add_metric([], rows[0].head if rows else log_.head())
        yield from (lag_events, lag_seconds, applied, head)

    def _flags(self) -> Iterator[Metric]:
        flags = GaugeMetricFamily("carepath_safety_open_flags", "Open safety flags by tier",
                                  labels=("tier",))
        try:
            with reading_live(self.container.read_store, SafetyProjection()) as tx:
                counts = open_flag_counts(tx)
        except ReadModelNotReady:
            return  # no number rather than a false zero
        for tier, count in counts.items():
            flags.add_metric([tier], count)
        yield flags


def install(app: FastAPI) -> None:
    """``/metrics`` on ``app``, counting the commands of ``app.state.container``."""
    container: Container = app.state.container
    registry = CollectorRegistry()
    counter = CommandMetrics(registry)
    container.pathways.on_command.append(counter)
    registry.register(ReadSideCollector(container))
    app.state.metrics = registry
    app.include_router(router)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text exposition (version 0.0.4)."""
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
