"""The mapper inside a real eventsourcing Application, on SQLite and on PostgreSQL.

The same tests run against both stores, configured only through ``eventsourcing_env``, so
what passes on a laptop's embedded SQLite also holds on the production database.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel

from services.settings import load_settings
from services.store.environment import eventsourcing_env
from services.store.mapper import CanonicalMapper, canonical_bytes

KEY = b64encode(bytes(range(200, 232))).decode()


class Dose(BaseModel, frozen=True):
    """A value object as the domain writes them."""

    label: str
    minutes: int


class Course(Aggregate):
    TOPIC = "tests.integration.test_mapper_storage:Course"

    class Created(Aggregate.Created):
        TOPIC = "tests.integration.test_mapper_storage:Course.Created"
        name: str

    class Planned(Aggregate.Event):
        """v1 lacked ``tags``."""

        TOPIC = "tests.integration.test_mapper_storage:Course.Planned"
        class_version = 2
        sessions: int
        weight: float
        active: bool
        note: str | None
        starts_at: datetime
        first_day: date
        therapist: UUID
        tags: tuple[str, ...]
        dose: Dose
        limits: dict[str, str | int]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tags"] = []

        def apply(self, aggregate: Any) -> None:
            aggregate.dose = self.dose
            aggregate.sessions = self.sessions

    def __init__(self, name: str) -> None:
        self.name = name
        self.dose: Dose | None = None
        self.sessions = 0

    def plan(self, **fields: Any) -> None:
        self.trigger_event(self.Planned, **fields)


PLAN: dict[str, Any] = {
    "sessions": 16,
    "weight": 1.5,
    "active": True,
    "note": None,
    "starts_at": datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    "first_day": date(2025, 5, 6),
    "therapist": UUID(int=42),
    "tags": ("grief", "role-transition"),
    "dose": Dose(label="weekly", minutes=50),
    "limits": {"min": 12, "unit": "session"},
}


class CourseApp(Application[UUID]):
    """A plain application: its events table is ``courseapp_events``."""


AppFactory = Callable[..., CourseApp]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppFactory]:
    """Builds CourseApp instances on one store; each call is a fresh process's view."""
    database_url = None
    if request.param == "postgres":
        database_url = request.getfixturevalue("postgres_dsn")
    apps: list[CourseApp] = []

    def make(**overrides: Any) -> CourseApp:
        settings = load_settings(data_dir=tmp_path, database_url=database_url, **overrides)
        app = CourseApp(env=eventsourcing_env(settings, CourseApp.name))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def new_course() -> Course:
    course = Course(name=f"course-{id(object())}")
    course.plan(**PLAN)
    return course


def test_events_round_trip_through_the_store(make_app: AppFactory) -> None:
    writer = make_app()
    assert isinstance(writer.mapper, CanonicalMapper)
    course = new_course()
    pending = course.collect_events()
    writer.save(*pending)
    reader = make_app()
    assert list(reader.events.get(course.id)) == pending
    loaded: Course = reader.repository.get(course.id)
    assert (loaded.name, loaded.dose, loaded.sessions) == (course.name, PLAN["dose"], 16)


def test_stored_rows_hold_exactly_the_canonical_bytes(make_app: AppFactory) -> None:
    app = make_app()
    course = new_course()
    pending = course.collect_events()
    app.save(*pending)
    rows = app.recorder.select_events(course.id)
    assert [row.state for row in rows] == [canonical_bytes(event) for event in pending]


def test_encrypted_rows_round_trip(make_app: AppFactory) -> None:
    app = make_app(cipher_key=KEY)
    course = new_course()
    app.save(course)
    rows = app.recorder.select_events(course.id)
    assert all(b"weekly" not in row.state for row in rows)
    assert make_app(cipher_key=KEY).repository.get(course.id).dose == PLAN["dose"]


def test_an_event_stored_as_v1_loads_into_the_v2_class(make_app: AppFactory) -> None:
    app = make_app()
    course = Course(name="legacy")
    app.save(course)
    v1 = canonical_bytes(
        Course.Planned(
            originator_id=course.id, originator_version=2, timestamp=PLAN["starts_at"], **PLAN
        )
    )
    v1_state = v1.replace(b'"class_version":2,', b"").replace(
        b',"tags":["grief","role-transition"]', b""
    )
    assert b"tags" not in v1_state
    app.recorder.insert_events([StoredEvent(course.id, 2, Course.Planned.TOPIC, v1_state)])
    planned = list(make_app().events.get(course.id, gt=1))
    assert [event.tags for event in planned] == [()]  # type: ignore[attr-defined]
