"""The broker edge over HTTP: the relay's status (``GET /ops/relay``) and the AsyncAPI
document (``/asyncapi.json``, ``/asyncapi.yaml``; the page, ``/asyncapi``, is
``services.http.docs``'s).

The status is read from the relay's tracking row, so any replica answers it whichever process
publishes. The document describes the broker this service is configured with (or NATS on
localhost when none is).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from projections.log import OrderedLog
from services.http.headers import ContainerDep
from services.http.views import View

log = logging.getLogger("carepath.http")
router = APIRouter(tags=["ops"])
YAML = "application/yaml"


class RelayView(View):
    name: str
    broker: str | None
    position: int | None
    head: int
    lag_events: int
    lag_seconds: float
    heartbeat_at: str | None
    heartbeat_age_seconds: float | None
    worker: str | None


class RelayAnswer(View):
    configured: bool
    """False when no CAREPATH_BROKER_URL is set: nothing is published."""
    relay: RelayView | None


def broker_edge(request: Request) -> Any:
    return broker_edge_of(request.app)


def broker_edge_of(app: FastAPI) -> Any:
    """The running broker edge, or a documentation-only one (built once per app)."""
    running = app.state.broker
    if running is not None:
        return running
    documented = getattr(app.state, "broker_documented", None)
    if documented is None:
        from services.broker.names import Names  # noqa: PLC0415 - only for these routes
        from services.broker.runtime import documented as documentation  # noqa: PLC0415

        settings = app.state.container.settings
        url = None if settings.broker_url is None else settings.broker_url.get_secret_value()
        documented = documentation(url, Names(settings.broker_prefix))
        app.state.broker_documented = documented
    return documented


@router.get("/ops/relay", response_model=RelayAnswer,
            summary="The broker relay: position, lag, heartbeat")
def relay(container: ContainerDep, request: Request) -> RelayAnswer:
    """How far the relay has published the log (the last position the broker acknowledged),
    lag in events and seconds, and the leading relay's last heartbeat."""
    if container.settings.broker_url is None:
        return RelayAnswer(configured=False, relay=None)
    status = broker_edge(request).status(container.read_store, OrderedLog(container.pathways))
    return RelayAnswer(configured=True, relay=RelayView(**asdict(status)))


@router.get("/asyncapi.json", include_in_schema=False)
def asyncapi_json(request: Request) -> JSONResponse:
    from services.broker.asyncapi import document_json  # noqa: PLC0415

    return JSONResponse(document_json(broker_edge(request).specification(request.app.version)))


@router.get("/asyncapi.yaml", include_in_schema=False)
def asyncapi_yaml(request: Request) -> Response:
    spec = broker_edge(request).specification(request.app.version)
    return Response(spec.to_yaml(), media_type=YAML)


class RelayCollector(Collector):
    """The relay's position and lag at each scrape (when a broker is configured)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        container = self.app.state.container
        if container.settings.broker_url is None:
            return
        try:
            status = broker_edge_of(self.app).status(container.read_store,
                                                     OrderedLog(container.pathways))
        except Exception as error:  # noqa: BLE001 - a scrape answers even when the store is down
            log.warning("metrics: the relay's status could not be read: %s", error)
            return
        position = GaugeMetricFamily("carepath_relay_position",
                                     "Last log position the broker acknowledged")
        lag_events = GaugeMetricFamily("carepath_relay_lag_events",
                                       "Stored events the relay has not published yet")
        lag_seconds = GaugeMetricFamily("carepath_relay_lag_seconds",
                                        "Age of the oldest event not yet published")
        position.add_metric([], status.position or 0)
        lag_events.add_metric([], status.lag_events)
        lag_seconds.add_metric([], status.lag_seconds)
        yield from (position, lag_events, lag_seconds)


def install(app: FastAPI) -> None:
    """The routes, and the relay's numbers on ``/metrics`` (install after ``metrics``)."""
    app.include_router(router)
    registry: CollectorRegistry = app.state.metrics
    registry.register(RelayCollector(app))
