"""Many writers on one pathway: jittered backoff lets nearly every command through at once.

Commands that lose a race are re-decided after a full-jitter exponential pause within the retry
budget (``CAREPATH_CONFLICT_RETRIES``, ``CAREPATH_CONFLICT_WAIT_SECONDS``). The target: 16
clients x 10 commands on one pathway on PostgreSQL, at least 95% answered 2xx without a client
retry, and no 5xx. The commands are measures, which never conflict clinically.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.pathway import commands as c
from services.application import Caller, Pathways
from services.backoff import ConflictBackoff
from services.composition import Container, bootstrap
from services.errors import ConcurrencyConflict
from services.settings import load_settings

WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
MEASURE = c.RecordMeasure(occurred_at=WHEN, instrument="phq9", items=(1,) * 8 + (0,))
COMMANDS_PER_CLIENT = 10
TARGET = 0.95
TIME_LIMIT = 60.0


def caller(key: str) -> Caller:
    return Caller(actor_id="t-1", actor_role="therapist", correlation_id=f"c-{key}",
                  idempotency_key=key)


def open_pathway(pathways: Pathways) -> UUID:
    opened = pathways.open_pathway(c.OpenPathway(
        occurred_at=WHEN, client_ref="client-contended", client_age=40, therapist_id="t-1",
        protocol="ipt", referral_date=WHEN.date()), caller(f"open-{time.monotonic_ns()}"))
    return opened.pathway_id


def write_together(pathways: Pathways, clients: int) -> Counter[str]:
    """``clients`` threads, started together, each sending its commands one after another."""
    pathway_id = open_pathway(pathways)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(number: int) -> None:
        start.wait()
        for n in range(COMMANDS_PER_CLIENT):
            try:
                pathways.execute(pathway_id, MEASURE, caller(f"{pathway_id}-{number}-{n}"))
                outcome = "2xx"
            except ConcurrencyConflict:
                outcome = "409"
            except Exception as error:  # noqa: BLE001 - any other failure would be a 5xx
                outcome = f"5xx {type(error).__name__}: {error}"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT)
    assert not any(thread.is_alive() for thread in threads), "writers did not finish in time"
    recorded = len(pathways.load(pathway_id).state.measures)
    assert recorded == outcomes["2xx"], "every 2xx recorded once, nothing else recorded"
    return outcomes


@pytest.fixture
def container(postgres_dsn: str) -> Iterator[Container]:
    built = bootstrap(load_settings(database_url=postgres_dsn))
    try:
        yield built
    finally:
        built.close()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("clients", [16, 32])
def test_writers_on_one_pathway_almost_never_see_a_conflict(container: Container,
                                                            clients: int) -> None:
    started = time.monotonic()
    outcomes = write_together(container.pathways, clients)
    elapsed = time.monotonic() - started
    total = clients * COMMANDS_PER_CLIENT
    print(f"\n{clients} writers x {COMMANDS_PER_CLIENT}: {outcomes['2xx']}/{total} 2xx,"
          f" 409 share {outcomes['409'] / total:.1%}, in {elapsed:.1f} s")
    assert [key for key in outcomes if key.startswith("5xx")] == []
    assert sum(outcomes.values()) == total
    if clients == 16:  # the target; 32 writers are reported, and must stay free of 5xx
        assert outcomes["2xx"] / total >= TARGET


# ----- the backoff itself ------------------------------------------------------------------

def test_pauses_grow_exponentially_under_a_cap() -> None:
    backoff = ConflictBackoff(retries=8, budget=10.0, base=0.01, cap=0.1, uniform=lambda: 1.0)
    assert list(backoff.pauses()) == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.1, 0.1, 0.1, 0.1])


def test_pauses_are_jittered_from_zero() -> None:
    backoff = ConflictBackoff(retries=3, budget=10.0, base=0.01, uniform=lambda: 0.5)
    assert list(backoff.pauses()) == pytest.approx([0.005, 0.01, 0.02])


def test_pauses_never_exceed_the_budget_in_all() -> None:
    backoff = ConflictBackoff(retries=20, budget=0.3, base=0.05, uniform=lambda: 1.0)
    pauses = list(backoff.pauses())
    assert len(pauses) == 20
    assert sum(pauses) == pytest.approx(0.3)


def test_no_budget_means_retries_at_once() -> None:
    assert set(ConflictBackoff(retries=4, budget=0.0).pauses()) == {0.0}
