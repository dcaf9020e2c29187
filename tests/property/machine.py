"""The state machine: one pathway (ipt, ipt-a or dit) driven by a mix of two kinds of step.

- a *clinical* step: the planner's next valid step of a textbook course
  (``tests.property.planner``), so examples reach the middle phase, termination, completion and
  maintenance;
- a *random* step: any command of the catalogue (``tests.property.random_commands``), clinical
  time jumping 0-20 days, sometimes backwards or backdated, server time sometimes behind
  clinical time.

Refusals (``CommandRejected``) are normal outcomes and must record nothing. Every accepted
command's events are checked as a batch and folded into the independent model; invariants
compare the model with the aggregate's own state after every step. At teardown the whole history
goes through a real application on SQLite: the reloaded state and version must equal the live
ones, also at earlier versions.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import tempfile
from collections import Counter
from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import uuid4

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.context import CommandContext
from domain.errors import CommandRejected
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.aggregate import Pathway
from services.application import request_digest
from services.composition import bootstrap
from services.settings import load_settings
from services.store.mapper import CanonicalMapper
from tests.journeys import START
from tests.property.batch import check_batch, describe
from tests.property.model import Model
from tests.property.parameters import COURSES
from tests.property.planner import FORGETTABLE, CommandAt, Planner
from tests.property.random_commands import random_command
from tests.property.records import Violation, check
from tests.property.spec import PHASES, SPECS

COVERAGE: Counter[str] = Counter()
DAYS = st.sampled_from([0, 0, 1, 2, 3, 7, 7, 10, 14, 20, -2, -6])
LAG = st.sampled_from([timedelta(hours=1), timedelta(0), timedelta(hours=6), timedelta(days=2),
                       -timedelta(days=1)])


def snapshot(state: Any) -> Any:
    """A copy of a ``PathwayState`` that later events cannot change.

    Cheaper than ``deepcopy``: containers are copied one level down, and their values only
    when they are mutable dataclasses (flags); everything else in the state is immutable.
    """
    copied = copy.copy(state)
    for item in dataclasses.fields(state):
        value = getattr(state, item.name)
        if isinstance(value, list):
            setattr(copied, item.name, [_detached(v) for v in value])
        elif isinstance(value, dict):
            setattr(copied, item.name, {k: _detached(v) for k, v in value.items()})
    return copied


def _detached(value: Any) -> Any:
    mutable = dataclasses.is_dataclass(value) and not value.__dataclass_params__.frozen  # type: ignore[union-attr]
    return copy.copy(value) if mutable else value


class PathwayMachine(RuleBasedStateMachine):
    """Drives one pathway; each step is a clinical step or a random command."""

    replay_every: ClassVar[int] = 12

    def __init__(self) -> None:
        super().__init__()
        self.pathway: Pathway | None = None
        self.clock = START
        self.server = START + timedelta(hours=1)
        self.keys = 0
        self.log: list[str] = []
        self.history: list[Any] = []
        self.snapshots: dict[int, Any] = {}
        self.phases_seen: set[str] = set()
        self.phase_index = 0
        self.accepted_since_replay = 0

    # --- setup -------------------------------------------------------------------------------

    @initialize(protocol=st.sampled_from(["ipt", "ipt-a", "dit"]),
                planner_percent=st.sampled_from([70, 80, 60]),
                course=st.sampled_from(COURSES),
                forgotten=st.sampled_from([None] * 24 + list(FORGETTABLE)))
    def open_pathway(self, protocol: str, planner_percent: int, course: str,
                     forgotten: str | None) -> None:
        self.spec = SPECS[protocol]
        self.planner = Planner(self.spec, course, forgotten)
        self.planner_percent = planner_percent
        self.model = Model(self.spec)
        ctx = self.context(None)
        command = c.OpenPathway(occurred_at=self.clock, client_ref="client-001",
                                client_age=self.spec.age, therapist_id="t-1", protocol=protocol,
                                referral_date=date(2026, 1, 2))
        self.pathway = Pathway.open(uuid4(), command, ctx)
        self.history = list(self.pathway.pending_events)
        self.snapshots[self.pathway.version] = snapshot(self.pathway.state)
        self.phases_seen.add("initial")
        self.log.append(f"open {protocol} (planner {planner_percent}%, course {course},"
                        f" forgets {forgotten})")

    def context(self, command: c.Command | None) -> CommandContext:
        self.keys += 1
        return CommandContext(actor_id="t-1", actor_role="therapist",
                              correlation_id=f"corr-{self.keys}",
                              idempotency_key=f"key-{self.keys}", recorded_at=self.server,
                              request_digest=request_digest(command) if command else "")

    # --- the one rule (a single rule, so swarm testing cannot switch the clinical path off) ----

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        assert self.pathway is not None
        roll = data.draw(st.integers(0, 99), label="roll")
        if roll < self.planner_percent and self.pathway.state.phase != "closed":
            days, command = self.planner.plan(self.pathway.state, self.clock, data)
        else:
            days = data.draw(DAYS, label="days")
            command = None
        self.clock += timedelta(days=days)
        self.server = max(self.server, self.clock + data.draw(LAG, label="server lag"))
        if command is None:
            command = random_command(self.pathway.state, self.spec, self.clock, data)
        self.apply(command)

    def apply(self, command_factory: CommandAt) -> None:
        pathway = self.pathway
        assert pathway is not None
        command: c.Command = command_factory(self.clock)
        ctx = self.context(command)
        before = self.snapshots[pathway.version]
        version, pending = pathway.version, len(pathway.pending_events)
        phase_before = self.model.phase
        line = f"{self.clock:%Y-%m-%d} (server {self.server:%m-%d %H:%M}) {describe(command)}"
        try:
            pathway.handle(command, ctx)
        except CommandRejected as error:
            self.log.append(f"{line} -> refused {getattr(error, 'rule', '')} {error}"[:300])
            check(pathway.version == version and len(pathway.pending_events) == pending,
                  "a refused command recorded events")
            check(pathway.state == before, "a refused command changed the state")
            return
        new: list[Any] = list(pathway.pending_events[pending:])
        self.history.extend(new)
        self.snapshots[pathway.version] = snapshot(pathway.state)
        self.accepted_since_replay += 1
        self.log.append(f"{line} -> {[self._name(ev) for ev in new]}")
        try:
            check(phase_before != "closed", "IPT-29: a closed pathway accepted a command")
            check_batch(command, ctx, version + 1, phase_before, new)
            deviated = frozenset(ev.rule for ev in new if isinstance(ev, e.DeviationRecorded))
            for ev in new:
                self.model.apply(ev, deviated)
        except Violation as error:
            raise Violation(self.fail(str(error))) from None

    @staticmethod
    def _name(ev: Any) -> str:
        return (f"Deviation({ev.rule})" if isinstance(ev, e.DeviationRecorded)
                else type(ev).__name__)

    # --- invariants ------------------------------------------------------------------------------

    def fail(self, message: str) -> str:
        return message + "\nhistory:\n  " + "\n  ".join(self.log)

    @invariant()
    def model_agrees_with_state(self) -> None:
        if self.pathway is None:
            return
        state, model = self.pathway.state, self.model
        try:
            check(self.pathway.version == len(self.history), "version = number of events")
            check(state.phase == model.phase, f"phase {state.phase}, spec says {model.phase}")
            check([s.number for s in state.sessions] == list(range(1, len(model.sessions) + 1))
                  and [s.number for s in state.maintenance_sessions]
                  == list(range(1, len(model.maintenance_sessions) + 1)),
                  "IPT-30: session numbers are 1..k")
            check({i: (f.acknowledged, f.assessed, f.resolved) for i, f in state.flags.items()}
                  == {i: (f.acknowledged, f.assessed, f.resolved)
                      for i, f in model.flags.items()}, "flags differ from their history")
            check(state.outreach_due == model.outreach_due, f"IPT-21: outreach_due"
                  f" {state.outreach_due}, spec says {model.outreach_due}")
            if model.contract is not None:
                assert state.contract is not None
                check((state.contract.sessions, state.contract.foci, state.contract.frequency,
                       state.contract.course_window_weeks)
                      == (model.contract["sessions"], model.contract["foci"],
                          model.contract["frequency"], model.contract["weeks"]),
                      "IPT-02: contract differs from ContractSigned/Renegotiated")
        except Violation as error:
            raise Violation(self.fail(str(error))) from None

    @invariant()
    def phase_only_moves_forward(self) -> None:
        if self.pathway is None:
            return
        phase = self.model.phase
        self.phases_seen.add(phase)
        index = PHASES.index(phase)
        # A renegotiated, longer contract moves the ending window later, so the derived phase
        # may go back from termination to middle (domain.md 1 and IPT-23: "a late discussion
        # needs a renegotiated, longer contract"). Every other move is forward.
        last = self.history[-1]
        extended = isinstance(last, e.ContractRenegotiated) and "sessions" in last.changed
        allowed_back = extended and (PHASES[self.phase_index], phase) == ("termination",
                                                                           "middle")
        if index < self.phase_index and not allowed_back:
            raise Violation(self.fail(f"phase went back from {PHASES[self.phase_index]} to"
                                      f" {phase}"))
        if index < self.phase_index:
            event("termination -> middle after a longer contract")
        self.phase_index = index

    @invariant()
    def mapper_round_trip_replays(self) -> None:
        if self.pathway is None or self.accepted_since_replay < self.replay_every:
            return
        self.accepted_since_replay = 0
        self.check_mapper_replay()

    def check_mapper_replay(self) -> None:
        assert self.pathway is not None
        mapper = CanonicalMapper()
        aggregate: Any = None
        for ev in self.history:
            stored: Any = mapper.to_domain_event(mapper.to_stored_event(ev))
            aggregate = stored.mutate(aggregate)
        check(aggregate.version == self.pathway.version and aggregate.state
              == self.pathway.state, self.fail("mapper round trip replays a different state"))

    # --- teardown: the real application on SQLite ---------------------------------------------

    def teardown(self) -> None:
        if self.pathway is None:
            return
        for phase in PHASES:
            if self.reached(phase):
                event(f"reached {phase}")
                COVERAGE[phase] += 1
        COVERAGE["examples"] += 1
        self.check_mapper_replay()
        directory = tempfile.mkdtemp(prefix="carepath-prop-")
        container = bootstrap(load_settings(data_dir=directory, database_url=None))
        try:
            app = container.pathways
            app.save(self.pathway)
            reloaded = container.queries.pathway(self.pathway.id)
            check(reloaded.version == self.pathway.version and reloaded.state
                  == self.pathway.state, self.fail("SQLite replay differs from the live state"))
            versions = sorted(self.snapshots)
            for version in {versions[0], versions[len(versions) // 2], versions[-1]}:
                past = container.queries.pathway(self.pathway.id, version=version)
                check(past.state == self.snapshots[version],
                      self.fail(f"SQLite replay at version {version} differs"))
        finally:
            container.close()
            shutil.rmtree(directory, ignore_errors=True)

    def reached(self, phase: str) -> bool:
        """Visited ``phase`` or a later one of the acute/maintenance course (closed aside)."""
        if phase == "closed":
            return "closed" in self.phases_seen
        later = PHASES[PHASES.index(phase):PHASES.index("closed")]
        return bool(self.phases_seen & set(later))
