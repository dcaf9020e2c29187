"""The application contract, run against the embedded SQLite store and a real PostgreSQL.

Same test class, two storages: save, load, version conflicts, idempotent retries, historical
state by version, refused commands recording nothing, and upcasting of old stored events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidCommand, RuleViolation
from domain.pathway import commands as c
from domain.pathway.events import MeasureRecorded
from services.application import Caller, Pathways
from services.composition import bootstrap
from services.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    PathwayNotFound,
    VersionMismatch,
    VersionNotFound,
)
from services.queries import PathwayQueries
from services.settings import load_settings
from tests.journeys import INVENTORY, PHQ9_MODERATE

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
REFERRAL = NOW - timedelta(days=30)


class Clock:
    """A fixed server clock whose first tick can run a competing write (a lost race)."""

    def __init__(self) -> None:
        self.before_next_tick: Callable[[], object] | None = None

    def __call__(self) -> datetime:
        action, self.before_next_tick = self.before_next_tick, None
        if action:
            action()
        return NOW


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pathways(storage: dict[str, object], clock: Clock) -> Iterator[Pathways]:
    container = bootstrap(load_settings(**storage), clock=clock)
    yield container.pathways
    container.close()


@pytest.fixture
def replica(storage: dict[str, object]) -> Iterator[Pathways]:
    """A second API replica on the same store: the rival writer in a race."""
    container = bootstrap(load_settings(**storage), clock=lambda: NOW)
    yield container.pathways
    container.close()


def caller(key: str | None = None, actor: str = "t-1") -> Caller:
    return Caller(actor_id=actor, actor_role="therapist", correlation_id="corr-7",
                  idempotency_key=key or f"key-{uuid4()}")


def opening(age: int = 30) -> c.OpenPathway:
    return c.OpenPathway(occurred_at=REFERRAL, client_ref="client-9", client_age=age,
                         therapist_id="t-1", protocol="ipt", referral_date=REFERRAL.date())


def measure(days: int = 1) -> c.RecordMeasure:
    return c.RecordMeasure(occurred_at=REFERRAL + timedelta(days=days), instrument="phq9",
                           items=PHQ9_MODERATE)


def open_one(pathways: Pathways) -> UUID:
    return pathways.open_pathway(opening(), caller()).pathway_id


class TestPathwaysContract:
    def test_a_saved_pathway_loads_with_its_derived_state(self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        pathways.execute(pathway_id, measure(), caller())
        pathways.execute(pathway_id, c.RecordInventory(occurred_at=REFERRAL + timedelta(days=2),
                                                       relationships=INVENTORY), caller())
        loaded = PathwayQueries(pathways).pathway(pathway_id)
        assert loaded.version == 3
        assert loaded.state.phase == "initial"
        assert loaded.state.baseline is not None
        assert loaded.state.baseline.total == 12
        assert loaded.state.inventory == INVENTORY

    def test_every_recorded_event_carries_actor_correlation_and_key(
            self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        pathways.execute(pathway_id, measure(), caller("the-key", actor="t-2"))
        last = PathwayQueries(pathways).history(pathway_id)[-1]
        assert type(last).__name__ == "MeasureRecorded"
        assert (last.meta.actor_id, last.meta.actor_role) == ("t-2", "therapist")
        assert (last.meta.correlation_id, last.meta.idempotency_key) == ("corr-7", "the-key")
        assert last.meta.protocol == "ipt@1"
        assert last.timestamp == NOW
        assert last.occurred_at == REFERRAL + timedelta(days=1)

    def test_a_refused_command_records_nothing(self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        focus = c.ChooseFocus(occurred_at=REFERRAL, primary="grief", rationale_ref="r",
                              patient_agreed=True)
        with pytest.raises(RuleViolation) as refused:
            pathways.execute(pathway_id, focus, caller())
        assert refused.value.rule == "IPT-13"
        assert PathwayQueries(pathways).pathway(pathway_id).version == 1
        assert len(PathwayQueries(pathways).history(pathway_id)) == 1

    def test_a_retried_command_returns_the_first_result_and_records_nothing(
            self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        first = pathways.execute(pathway_id, measure(), caller("retry-me"))
        again = pathways.execute(pathway_id, measure(), caller("retry-me"))
        assert (again.version, again.events) == (first.version, first.events)
        assert again.replayed
        assert not first.replayed
        assert PathwayQueries(pathways).pathway(pathway_id).version == first.version

    def test_a_retried_opening_finds_the_same_pathway(self, pathways: Pathways) -> None:
        first = pathways.open_pathway(opening(), caller("open-1"))
        again = pathways.open_pathway(opening(), caller("open-1"))
        assert again.pathway_id == first.pathway_id
        assert again.replayed
        assert len(PathwayQueries(pathways).history(first.pathway_id)) == 1

    def test_a_key_reused_for_a_different_request_is_refused(self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        pathways.execute(pathway_id, measure(days=1), caller("same"))
        with pytest.raises(IdempotencyKeyReused):
            pathways.execute(pathway_id, measure(days=2), caller("same"))
        pathways.open_pathway(opening(age=31), caller("open-2"))
        with pytest.raises(IdempotencyKeyReused):
            pathways.open_pathway(opening(age=32), caller("open-2"))

    def test_keys_belong_to_their_actor(self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        first = pathways.execute(pathway_id, measure(), caller("shared", actor="t-1"))
        other = pathways.execute(pathway_id, measure(), caller("shared", actor="t-2"))
        assert not other.replayed
        assert other.version == first.version + 1

    def test_a_version_the_pathway_has_not_reached_is_not_found(
            self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        with pytest.raises(VersionNotFound):
            PathwayQueries(pathways).pathway(pathway_id, version=2)

    def test_an_if_match_version_that_is_not_current_is_refused(
            self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        pathways.execute(pathway_id, measure(), caller(), expected_version=1)
        with pytest.raises(VersionMismatch) as mismatch:
            pathways.execute(pathway_id, measure(days=3), caller(), expected_version=1)
        assert (mismatch.value.expected, mismatch.value.actual) == (1, 2)
        assert PathwayQueries(pathways).pathway(pathway_id).version == 2

    def test_a_lost_race_is_re_decided_and_saved(self, pathways: Pathways, replica: Pathways,
                                                  clock: Clock) -> None:
        pathway_id = open_one(pathways)
        clock.before_next_tick = lambda: replica.execute(pathway_id, measure(days=5), caller())
        result = pathways.execute(pathway_id, measure(days=6), caller())
        assert result.version == 3
        totals = [type(e).__name__ for e in PathwayQueries(pathways).history(pathway_id)]
        assert totals == ["PathwayOpened", "MeasureRecorded", "MeasureRecorded"]

    def test_a_pinned_version_that_loses_the_race_is_refused(
            self, pathways: Pathways, replica: Pathways, clock: Clock) -> None:
        pathway_id = open_one(pathways)
        clock.before_next_tick = lambda: replica.execute(pathway_id, measure(days=5), caller())
        with pytest.raises(VersionMismatch):
            pathways.execute(pathway_id, measure(days=6), caller(), expected_version=1)
        assert PathwayQueries(pathways).pathway(pathway_id).version == 2

    def test_the_clock_skew_setting_bounds_clinical_time(self, storage: dict[str, object]
                                                         ) -> None:
        container = bootstrap(load_settings(clock_skew_seconds=0, **storage), clock=lambda: NOW)
        try:
            pathway_id = open_one(container.pathways)
            ahead = c.AssignSickRole(occurred_at=NOW + timedelta(seconds=60))
            with pytest.raises(InvalidCommand) as refused:
                container.pathways.execute(pathway_id, ahead, caller())
            assert refused.value.field == "occurred_at"
        finally:
            container.close()

    def test_retries_are_bounded(self, storage: dict[str, object], replica: Pathways,
                                 clock: Clock) -> None:
        container = bootstrap(load_settings(conflict_retries=0, **storage), clock=clock)
        pathways = container.pathways
        try:
            pathway_id = open_one(pathways)
            clock.before_next_tick = lambda: replica.execute(pathway_id, measure(days=5),
                                                             caller())
            with pytest.raises(ConcurrencyConflict):
                pathways.execute(pathway_id, measure(days=6), caller())
        finally:
            container.close()

    def test_the_state_as_of_an_earlier_version(self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        pathways.execute(pathway_id, measure(), caller())
        pathways.execute(pathway_id, c.AssignSickRole(occurred_at=REFERRAL), caller())
        then = PathwayQueries(pathways).pathway(pathway_id, version=2)
        now = PathwayQueries(pathways).pathway(pathway_id)
        assert (then.version, then.state.sick_role) == (2, False)
        assert (now.version, now.state.sick_role) == (3, True)

    def test_an_unknown_pathway_is_not_found(self, pathways: Pathways) -> None:
        with pytest.raises(PathwayNotFound):
            PathwayQueries(pathways).pathway(uuid4())
        with pytest.raises(PathwayNotFound):
            pathways.execute(uuid4(), measure(), caller())

    def test_opened_pathways_are_listed_in_order(self, pathways: Pathways) -> None:
        opened = [open_one(pathways) for _ in range(3)]
        listed = [pathway_id for _, pathway_id  # the store is shared: read every page
                  in PathwayQueries(pathways).pathway_ids(limit=100_000)]
        assert listed[-3:] == opened

    def test_a_version_1_measure_in_the_store_is_upcast_on_load(
            self, pathways: Pathways) -> None:
        pathway_id = open_one(pathways)
        written = PathwayQueries(pathways).history(pathway_id)[0]
        old_state = {
            "occurred_at": "2026-10-03T09:00:00Z", "timestamp": "2026-10-03T09:00:01Z",
            "meta": written.meta.model_dump(), "instrument": "phq9",
            "items": list(PHQ9_MODERATE), "total": 12, "baseline": True,
        }
        stored = StoredEvent(originator_id=pathway_id, originator_version=2,
                             topic="carepath:MeasureRecorded", state=orjson.dumps(old_state))
        pathways.recorder.insert_events([stored])
        upcast = PathwayQueries(pathways).history(pathway_id)[-1]
        assert isinstance(upcast, MeasureRecorded)
        assert upcast.band == "moderate"
        baseline = PathwayQueries(pathways).pathway(pathway_id).state.baseline
        assert baseline is not None
        assert baseline.total == 12

