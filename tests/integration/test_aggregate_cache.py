"""The aggregate cache, with two API replicas on one store (a SQLite file, a PostgreSQL database).

A command takes the pathway from its process's cache and reads only the events stored after
the cached version, so each replica must always decide on the latest state (a stale cache
fast-forwards), a save that loses a race must not leave its unsaved events cached, a refusal
must leave the cached pathway untouched, and no command may be lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from bench.carepath import initial_phase, middle_and_ending
from domain.errors import RuleViolation
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from services.application import Caller, Pathways
from services.composition import bootstrap
from services.settings import load_settings

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=200)
ITEMS = (1, 1, 1, 1, 1, 1, 1, 1, 0)


ReplicaFactory = Callable[..., Pathways]


@pytest.fixture
def replica(storage: dict[str, object]) -> Iterator[ReplicaFactory]:
    """Builds independent applications (API replicas, each with its own cache) on one store."""
    built: list[Pathways] = []

    def make(**kwargs: Any) -> Pathways:
        container = bootstrap(load_settings(**storage, **kwargs))
        built.append(container.pathways)
        return container.pathways

    yield make
    for app in built:
        app.close()


def caller(key: str | None = None) -> Caller:
    return Caller(actor_id="t-1", actor_role="therapist", correlation_id="corr-cache",
                  idempotency_key=key or f"key-{uuid4()}")


def open_pathway(app: Pathways) -> UUID:
    opening = c.OpenPathway(occurred_at=START, client_ref="client-c", client_age=40,
                            therapist_id="t-1", protocol="ipt", referral_date=date.today())
    return app.open_pathway(opening, caller()).pathway_id


def measure(day: int = 1) -> c.RecordMeasure:
    return c.RecordMeasure(occurred_at=START + timedelta(days=day), instrument="phq9",
                           items=ITEMS)


def stored_version(app: Pathways, pathway_id: UUID) -> int:
    return app.load(pathway_id).version


def test_two_replicas_taking_turns_each_decide_on_the_latest_state(
        replica: ReplicaFactory) -> None:
    """A whole course, its steps alternating between replicas: session numbers, the ending and
    completion are only accepted on the latest state, so a stale cache would be refused."""
    first, second = replica(), replica()
    pathway_id = open_pathway(first)
    steps = [*initial_phase(START), *middle_and_ending(START)]
    for turn, command in enumerate(steps):
        app = (first, second)[turn % 2]
        before = stored_version(first, pathway_id)
        result = app.execute(pathway_id, command, caller())
        assert result.events[0].version == before + 1
    assert first.load(pathway_id).state.outcome is not None
    assert pathway_id in first.cache
    assert pathway_id in second.cache


def test_a_stale_cache_reads_only_the_events_after_its_version(
        replica: ReplicaFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = replica(), replica()
    pathway_id = open_pathway(first)
    first.execute(pathway_id, measure(), caller())
    for day in range(2, 5):
        second.execute(pathway_id, measure(day), caller())
    reads: list[int | None] = []
    original = first.repository.event_store.get

    def counting_get(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("gt"))
        return original(originator_id, *args, **kwargs)

    monkeypatch.setattr(first.repository.event_store, "get", counting_get)
    result = first.execute(pathway_id, measure(5), caller())
    assert reads == [2]  # cached at version 2; versions 3-5 came from the other replica
    assert result.version == 6


def test_a_save_that_loses_the_race_is_dropped_and_the_command_redecided(
        replica: ReplicaFactory) -> None:
    first, second = replica(), replica()
    pathway_id = open_pathway(first)
    first.execute(pathway_id, measure(), caller())
    rival = threading.Event()
    clock_calls = 0

    def racing_clock() -> datetime:
        nonlocal clock_calls
        clock_calls += 1
        if clock_calls == 1:  # after the first checkout, before its save
            second.execute(pathway_id, measure(3), caller("rival"))
            rival.set()
        return datetime.now(UTC)

    first.clock = racing_clock
    result = first.execute(pathway_id, measure(2), caller("loser"))
    assert rival.is_set()
    assert result.version == 4  # re-decided after the rival's version 3
    pathway = first.load(pathway_id)
    assert {"t-1\x1frival", "t-1\x1floser"} <= pathway.state.commands.keys()
    first.clock = lambda: datetime.now(UTC)
    assert first.execute(pathway_id, measure(4), caller()).version == 5


def test_a_refused_command_leaves_the_cached_pathway_as_stored(replica: ReplicaFactory) -> None:
    app = replica()
    pathway_id = open_pathway(app)
    app.execute(pathway_id, measure(), caller())
    far_session = c.HoldSession(occurred_at=START + timedelta(days=2), number=7, minutes=50)
    with pytest.raises(RuleViolation):
        app.execute(pathway_id, far_session, caller())
    cached = app.cache.take(pathway_id)
    assert cached is not None
    assert cached.version == stored_version(app, pathway_id) == 2
    assert not cached.pending_events


def test_a_refusal_after_an_event_was_triggered_is_not_cached(
        replica: ReplicaFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a command ever trigger an event and then be refused, the half-decided pathway
    must not be reused: the next command decides on what the store holds."""
    app = replica()
    pathway_id = open_pathway(app)
    original = Pathway.handle

    def half_decided(self: Pathway, command: c.Command, ctx: Any) -> None:
        original(self, command, ctx)
        raise RuleViolation("IPT-99", "refused after deciding")

    monkeypatch.setattr(Pathway, "handle", half_decided)
    with pytest.raises(RuleViolation):
        app.execute(pathway_id, measure(), caller())
    monkeypatch.setattr(Pathway, "handle", original)
    assert pathway_id not in app.cache
    assert app.execute(pathway_id, measure(2), caller()).version == 2
    assert len(app.load(pathway_id).state.measures) == 1


def test_concurrent_writers_on_two_replicas_lose_no_command(replica: ReplicaFactory) -> None:
    replicas = [replica(conflict_retries=20), replica(conflict_retries=20)]
    pathway_id = open_pathway(replicas[0])
    per_thread, threads_per_replica = 6, 2
    keys: list[str] = []
    errors: list[BaseException] = []

    def write(app: Pathways, name: str) -> None:
        for n in range(per_thread):
            key = f"{name}-{n}"
            try:
                app.execute(pathway_id, measure(n + 1), caller(key))
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

    threads = []
    for r, app in enumerate(replicas):
        for t in range(threads_per_replica):
            name = f"r{r}t{t}"
            keys += [f"{name}-{n}" for n in range(per_thread)]
            threads.append(threading.Thread(target=write, args=(app, name)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for app in replicas:
        pathway = app.load(pathway_id)
        assert pathway.version == 1 + len(keys)
        assert {f"t-1\x1f{key}" for key in keys} <= pathway.state.commands.keys()
        assert app.execute(pathway_id, measure(1), caller(keys[0])).replayed
