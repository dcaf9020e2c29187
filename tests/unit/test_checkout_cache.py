"""The checkout cache: one holder at a time, newest version kept, least recently used evicted."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from services.store.cache import CheckoutCache


@dataclass
class Agg:
    id: UUID
    version: int


def test_a_taken_aggregate_is_no_longer_in_the_cache() -> None:
    cache: CheckoutCache[Agg] = CheckoutCache(4)
    agg = Agg(uuid4(), 3)
    cache.give(agg)
    assert cache.take(agg.id) is agg
    assert cache.take(agg.id) is None


def test_an_older_version_does_not_replace_a_newer_one() -> None:
    cache: CheckoutCache[Agg] = CheckoutCache(4)
    key = uuid4()
    cache.give(Agg(key, 5))
    cache.give(Agg(key, 4))
    taken = cache.take(key)
    assert taken is not None
    assert taken.version == 5


def test_the_least_recently_given_is_evicted_first() -> None:
    cache: CheckoutCache[Agg] = CheckoutCache(2)
    a, b, c = (Agg(uuid4(), 1) for _ in range(3))
    cache.give(a)
    cache.give(b)
    cache.give(a)
    cache.give(c)
    assert b.id not in cache
    assert a.id in cache
    assert len(cache) == 2


def test_size_zero_keeps_nothing() -> None:
    cache: CheckoutCache[Agg] = CheckoutCache(0)
    agg = Agg(uuid4(), 1)
    cache.give(agg)
    assert cache.take(agg.id) is None
