"""A clinic for the audit specifications: a real store, a server clock the test moves, and
commands recorded at chosen server times, so back-dated entries can be written on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.pathway import commands as c
from services.application import Caller
from services.composition import Container, bootstrap
from services.courses import CourseWriter, course
from services.settings import load_settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clinic:
    """One container; ``clock`` is the server time the next command is recorded at."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.clock = T0
        self._keys = count(1)
        container.pathways.clock = lambda: self.clock

    @property
    def audit(self) -> Any:
        return self.container.audit

    def caller(self, actor: str = "t-amara", role: str = "therapist") -> Caller:
        return Caller(actor_id=actor, actor_role=role, correlation_id=f"corr-{next(self._keys)}",
                      idempotency_key=f"key-{next(self._keys)}")

    def open(self, protocol: str = "ipt", *, occurred_at: datetime | None = None,
             recorded_at: datetime | None = None) -> UUID:
        self.clock = recorded_at or self.clock
        opened = occurred_at or self.clock
        result = self.container.pathways.open_pathway(c.OpenPathway(
            occurred_at=opened, client_ref="client-042", client_age=34, therapist_id="t-amara",
            protocol=protocol, referral_date=date(2026, 2, 27)), self.caller())
        return result.pathway_id

    def do(self, pathway_id: UUID, command: c.Command, *, recorded_at: datetime | None = None,
           actor: str = "t-amara", role: str = "therapist") -> int:
        """Record ``command`` at server time ``recorded_at`` (default: the clock); its version."""
        self.clock = recorded_at or self.clock
        result = self.container.pathways.execute(pathway_id, command, self.caller(actor, role))
        return result.version

    def run(self, pathway_id: UUID, writer: CourseWriter, *, step: timedelta = timedelta(
            minutes=5)) -> None:
        """Record a course writer's commands, each at its own clinical time plus ``step``."""
        for command in writer.commands:
            self.clock = max(self.clock, command.occurred_at) + step
            self.do(pathway_id, command)


def a_course(at: datetime = T0, sessions: int = 12) -> CourseWriter:
    return course("ipt", at, sessions=sessions)


@contextmanager
def clinic_on(data_dir: Path, **settings: Any) -> Iterator[Clinic]:
    container = bootstrap(load_settings(data_dir=data_dir, **settings))
    try:
        yield Clinic(container)
    finally:
        container.close()


PHQ9_PARTIAL = (1, 1, 1, 1, 1, 1, 1, 1, 0)
PHQ9_REMISSION = (1, 0, 1, 0, 0, 1, 0, 0, 0)


def whole_course(at: datetime = T0, sessions: int = 8, next_step: str = "discharge",
                 signed_by: dict[str, str] | None = None) -> CourseWriter:
    """Consent to completion by the book: a measure every third session, remission at the end."""
    writer = a_course(at, sessions).consented().measure().later(7).intake()
    writer.formulated("role_dispute").signed(signed_by or {
        "client": "client-042", "therapist": "t-amara", "guardian": "guardian-1"}).measure()
    while writer.held < sessions:
        writer.visit()
        if writer.held % 3 == 0:
            writer.measure(PHQ9_PARTIAL)
    return writer.later(0, 30).measure(PHQ9_REMISSION).completed(next_step)
