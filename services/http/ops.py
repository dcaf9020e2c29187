"""Operational routes: is the process alive, can it reach its store, which protocols run."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from domain.protocols import ACUTE_PROTOCOLS, CURRENT_VERSION, MAINTENANCE_PROTOCOLS
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.status import projection_status
from services.composition import Container
from services.errors import RETRY_AFTER_SECONDS
from services.http.headers import ContainerDep
from services.http.views import View

log = logging.getLogger("carepath.http")
router = APIRouter(tags=["ops"])


class Health(View):
    status: Literal["ok", "unavailable"]
    storage: str


class AcuteProtocolView(View):
    id: str
    version: int
    ref: str
    current: bool
    title: str
    available: bool
    notes: str
    sessions_default: int
    sessions_range: tuple[int, int]
    initial_cap: int
    ending_sessions: int
    problem_areas: list[str]
    frequencies: list[str]
    age_range: tuple[int, int] | None
    guardian_required: bool
    parent_at_first_and_ending: bool
    blocks_enrolment_on_urgent_flag: bool
    focus_agreed_by_session: int | None
    goodbye_letter_before_final: bool
    max_days_between_sessions: int
    measure_every_sessions: int
    measure_every_days: int
    review_at_session: int
    review_min_improvement: float


class MaintenanceProtocolView(View):
    id: str
    version: int
    ref: str
    current: bool
    months_range: tuple[int, int]
    default_frequency: str
    frequencies: list[str]


class Protocols(View):
    acute: list[AcuteProtocolView]
    maintenance: list[MaintenanceProtocolView]


@router.get("/health", response_model=Health, summary="Liveness: the process answers")
async def health(request: Request) -> Health:
    """Never touches the event store, so a database outage restarts no replica.

    Runs on the event loop with no thread-pool dependency: it answers even while every worker
    thread waits on the store.
    """
    container: Container = request.app.state.container
    return Health(status="ok", storage=container.storage)


@router.get("/health/ready", response_model=Health,
            summary="Readiness: the event store answers",
            responses={503: {"model": Health, "description": "The store cannot be read.",
                             "headers": {"Retry-After": {"schema": {"type": "integer"}}}}})
def ready(container: ContainerDep, response: Response) -> Health:
    """Reads the store once, within ``CAREPATH_DATABASE_TIMEOUT_SECONDS``; 503 when it fails."""
    try:
        container.pathways.recorder.max_notification_id()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; logged
        log.warning("readiness: the event store cannot be read: %s", error)
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return Health(status="unavailable", storage=container.storage)
    return Health(status="ok", storage=container.storage)


@router.get("/protocols", response_model=Protocols, summary="The protocol table")
def protocols() -> Protocols:
    """Every protocol version the service can open or replay a pathway under, as data."""
    return Protocols(
        acute=[AcuteProtocolView(**_fields(p), ref=p.ref,
                                 current=CURRENT_VERSION.get(p.id) == p.version)
               for p in ACUTE_PROTOCOLS.values()],
        maintenance=[MaintenanceProtocolView(**_fields(p), ref=p.ref,
                                             current=CURRENT_VERSION.get(p.id) == p.version)
                     for p in MAINTENANCE_PROTOCOLS.values()],
    )


class RebuildView(View):
    generation: int
    version: int
    position: int
    head: int
    done: float
    rate: float | None
    eta_seconds: float | None


class ProjectionView(View):
    name: str
    version: int
    live_generation: int | None
    live_version: int | None
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    heartbeat_at: str | None
    heartbeat_age_seconds: float | None
    worker: str | None
    rebuild: RebuildView | None


class ProjectionsStatus(View):
    projections: list[ProjectionView]


@router.get("/ops/projections", response_model=ProjectionsStatus,
            summary="Read models: position, lag, heartbeat, a rebuild's progress")
def projections_status(container: ContainerDep) -> ProjectionsStatus:
    """Per read model: the live generation, how far it has applied the log against its head,
    lag in events and in seconds (since the oldest unapplied event was recorded), the leading
    worker's last heartbeat, and a running rebuild's progress, rate and ETA."""
    rows = projection_status(container.read_store, OrderedLog(container.pathways),
                             all_projections())
    return ProjectionsStatus(projections=[
        ProjectionView(**{**asdict(row), "rebuild": None if row.rebuild is None
                          else RebuildView(**asdict(row.rebuild))}) for row in rows])


def _fields(definition: Any) -> dict[str, Any]:
    """The dataclass's fields, sets sorted so the answer is stable."""
    return {name: sorted(value) if isinstance(value, frozenset) else value
            for name, value in asdict(definition).items()}
