"""The carepath workload: a realistic middle-phase command mix through the application layer.

Each pathway is prepopulated (untimed) through the initial phase and contract; the timed ops
then walk the middle and ending phases: sessions, measures, a missed session, the termination
discussion, the final measure and completion. Op ``i`` drives pathway ``i % P`` one step, so a
writer owns its pathways and every op is a command the rules accept.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from uuid import UUID, uuid5

from psycopg.conninfo import conninfo_to_dict

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.values import Contingencies, Relationship
from services.application import Caller, Pathways
from services.composition import bootstrap
from services.courses import course
from services.settings import load_settings
from services.store.mapper import canonical_bytes

_NAMESPACE = uuid5(UUID(int=0), "carepath-bench")
_MISSED_BEFORE = 5
_SAVE_BATCH = 50
_MODERATE = (2, 2, 2, 2, 1, 1, 1, 1, 0)
_PARTIAL = (1, 1, 1, 1, 1, 1, 1, 1, 0)
_REMISSION = (1, 0, 1, 0, 0, 1, 0, 0, 0)
_INVENTORY = (
    Relationship(alias="partner", relation="partner", closeness=4, quality="conflictual",
                 recent_change="dispute", candidate_areas=("role_dispute",)),
    Relationship(alias="sister", relation="sibling", closeness=3, quality="supportive"),
)
_CONTINGENCIES = Contingencies(missed_sessions="policy/missed", holidays="policy/holidays",
                               illness="policy/illness", between_session_contact="policy/contact",
                               crisis_plan="plan/crisis")


def bench_course(start: datetime) -> tuple[list[c.Command], list[c.Command]]:
    """The benchmark's 12-session ipt course from ``start``, written by the shared course
    writer: (referral to the signed contract, then the middle and the ending)."""
    writer = course("ipt", start, sessions=12).consented().measure(_MODERATE).later(7).intake()
    writer.formulated("role_dispute", relationships=_INVENTORY,
                      formulation_ref="doc/formulation", rationale_ref="doc/rationale")
    writer.signed({"client": "client", "therapist": "t-bench"}, window_weeks=20,
                  contingencies=_CONTINGENCIES).measure(_MODERATE)
    initial = len(writer.commands)
    while writer.held < writer.contract_sessions:
        if writer.held + 1 == _MISSED_BEFORE:
            writer.missed(days=4)
        writer.visit(days=3 if writer.held + 1 == _MISSED_BEFORE else 7,
                     techniques=("communication_analysis",))
        if writer.held in (4, 6, 8, 11):
            writer.measure(_PARTIAL)
    writer.measure(_REMISSION).completed("maintenance", plan_ref="doc/rp")
    return writer.commands[:initial], writer.commands[initial:]


def initial_phase(start: datetime) -> list[c.Command]:
    """Referral to a signed contract: the untimed prepopulation (opening excluded)."""
    return bench_course(start)[0]


def middle_and_ending(start: datetime) -> list[c.Command]:
    """The timed steps: sessions 3-12 with measures, a miss, the ending and completion."""
    return bench_course(start)[1]


STEPS_PER_PATHWAY = len(middle_and_ending(datetime(2026, 1, 1, tzinfo=UTC)))
INITIAL_EVENTS = 1 + len(initial_phase(datetime(2026, 1, 1, tzinfo=UTC)))
MEAN_HISTORY = INITIAL_EVENTS + (STEPS_PER_PATHWAY - 1) / 2
"""Events already in a stream when a timed op loads it, on average (bare uses the same)."""


@dataclass
class CarepathWorkload:
    dsn: str
    writers: int
    ops: int
    pathways: Pathways | None = None
    ids: list[UUID] = field(default_factory=list)
    start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=200))
    _steps: list[c.Command] = field(default_factory=list)

    def setup(self) -> None:
        count = math.ceil(self.ops / STEPS_PER_PATHWAY / self.writers) * self.writers
        settings = load_settings(database_url=as_url(self.dsn), pool_size=self.writers,
                                 data_dir=tempfile.gettempdir())
        self.pathways = bootstrap(settings).pathways
        self._steps = middle_and_ending(self.start)
        batch: list[Pathway] = []
        for n in range(count):
            batch.append(self._prepopulated(n))
            if len(batch) == _SAVE_BATCH:
                self.pathways.save(*batch)
                batch = []
        if batch:
            self.pathways.save(*batch)

    def _prepopulated(self, n: int) -> Pathway:
        pathway = prepopulated(n, self.start)
        self.ids.append(pathway.id)
        return pathway

    def op(self, writer: int, i: int) -> int | None:
        if self.pathways is None:
            msg = "setup() was not run"
            raise RuntimeError(msg)
        pathway_index, step = i % len(self.ids), i // len(self.ids)
        caller = Caller(actor_id="t-bench", actor_role="therapist", correlation_id="bench",
                        idempotency_key=f"bench:{pathway_index}:m{step}")
        self.pathways.execute(self.ids[pathway_index], self._steps[step], caller)
        return None

    def teardown(self) -> None:
        if self.pathways is not None:
            self.pathways.close()

    def stored_bytes_per_event(self) -> float | None:
        return typical_event_bytes()


def prepopulated(n: int, start: datetime, *, extra_measures: int = 0) -> Pathway:
    """Pathway ``n`` opened and through the initial phase, decided in memory (not saved).

    ``extra_measures`` more PHQ-9 measures make a long history (one event each).
    """
    pathway_id = uuid5(_NAMESPACE, str(n))
    ctx = CommandContext(actor_id="t-bench", actor_role="therapist", correlation_id="bench",
                         idempotency_key=f"bench:{n}:open", recorded_at=datetime.now(UTC))
    pathway = Pathway.open(pathway_id, c.OpenPathway(
        occurred_at=start, client_ref=f"bench-{n}", client_age=40,
        therapist_id="t-bench", protocol="ipt", referral_date=date.today()), ctx)
    commands = initial_phase(start) + [extra_measure(start)] * extra_measures
    for step, command in enumerate(commands):
        pathway.handle(command, CommandContext(**{**ctx.__dict__,
                                                  "idempotency_key": f"bench:{n}:i{step}"}))
    return pathway


def extra_measure(start: datetime) -> c.RecordMeasure:
    """A command any pathway after the initial phase accepts, recording one event."""
    return c.RecordMeasure(occurred_at=start + timedelta(days=15), instrument="phq9",
                           items=_PARTIAL)


def typical_event_bytes() -> float:
    """Mean stored bytes per event of one scripted pathway (what raw and bare should write)."""
    workload = CarepathWorkload(dsn="", writers=1, ops=0)
    pathway = workload._prepopulated(0)
    ctx = CommandContext("t-bench", "therapist", "bench", "bench:sample", datetime.now(UTC))
    for command in middle_and_ending(workload.start):
        pathway.handle(command, ctx)
    sizes = [len(canonical_bytes(event)) for event in pathway.collect_events()]
    return sum(sizes) / len(sizes)


def as_url(dsn: str) -> str:
    """The harness hands out key=value conninfo; carepath's settings take a URL."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return dsn
    params = conninfo_to_dict(dsn)
    password = f":{quote(str(params['password']))}" if params.get("password") else ""
    return (f"postgresql://{quote(str(params.get('user', 'postgres')))}{password}@"
            f"{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{params['dbname']}")


def carepath_factory(dsn: str, writers: int, ops: int) -> CarepathWorkload:
    return CarepathWorkload(dsn=dsn, writers=writers, ops=ops)
