"""CanonicalMapper: typed round trips, canonical bytes, upcasting and clear failures.

The aggregate below exists only for these tests; it carries one field of every supported type.
"""

from __future__ import annotations

import math
from base64 import b64encode
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal
from uuid import UUID

import orjson
import pytest
from eventsourcing.application import Application
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import Environment
from pydantic import BaseModel

from domain.pathway.events import CATALOGUE
from services.store.decoding import event_decoder
from services.store.mapper import CanonicalMapper, canonical_bytes
from tests.journeys import Journey

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
ID = UUID(int=1)


class Score(BaseModel, frozen=True):
    """A value object as the domain writes them."""

    measure: str
    value: int


class Journal(Aggregate):
    TOPIC = "tests.unit.test_mapper:Journal"

    class Created(Aggregate.Created):
        TOPIC = "tests.unit.test_mapper:Journal.Created"
        title: str

    class Recorded(Aggregate.Event):
        TOPIC = "tests.unit.test_mapper:Journal.Recorded"
        text: str
        count: int
        ratio: float
        flagged: bool
        note: str | None
        seen_at: datetime
        due_on: date
        ref: UUID
        tags: tuple[str, ...]
        pair: tuple[int, date]
        score: Score
        scores: tuple[Score, ...]
        extra: dict[str, str | int]

        def apply(self, aggregate: Any) -> None:
            aggregate.last_score = self.score

    class Timed(Aggregate.Event):
        """Fields the quick way of writing bytes leaves to pydantic's JSON mode."""

        TOPIC = "tests.unit.test_mapper:Journal.Timed"
        hours: tuple[float, ...]
        wait: timedelta
        part: Literal["am", "pm"]

    class Counted(Aggregate.Event):
        TOPIC = "tests.unit.test_mapper:Journal.Counted"
        by_item: dict[int, str]

    class Renamed(Aggregate.Event):
        """v1 had ``name``; v2 added ``reason``; v3 renamed ``name`` to ``title``."""

        TOPIC = "tests.unit.test_mapper:Journal.Renamed"
        class_version = 3
        title: str
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = "unknown"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["title"] = state.pop("name")

    def __init__(self, title: str) -> None:
        self.title = title
        self.last_score: Score | None = None

    def record(self, **fields: Any) -> None:
        self.trigger_event(self.Recorded, **fields)


def recorded(**changes: Any) -> Journal.Recorded:
    fields: dict[str, Any] = {
        "originator_id": ID,
        "originator_version": 2,
        "timestamp": T0,
        "text": "slept badly",
        "count": 3,
        "ratio": 0.25,
        "flagged": True,
        "note": None,
        "seen_at": T0 + timedelta(microseconds=7),
        "due_on": date(2025, 2, 1),
        "ref": UUID(int=2),
        "tags": ("grief", "sleep"),
        "pair": (1, date(2025, 3, 1)),
        "score": Score(measure="PHQ-9", value=14),
        "scores": (Score(measure="GAD-7", value=9),),
        "extra": {"source": "self-report", "items": 9},
    }
    return Journal.Recorded(**(fields | changes))


def timed(**fields: Any) -> Journal.Timed:
    values: dict[str, Any] = {"originator_id": ID, "originator_version": 2, "timestamp": T0,
                              "hours": (1.5,), "wait": timedelta(hours=1), "part": "am"}
    return Journal.Timed(**(values | fields))


def counted(by_item: dict[int, str]) -> Journal.Counted:
    values: dict[str, Any] = {"originator_id": ID, "originator_version": 2, "timestamp": T0,
                              "by_item": by_item}
    return Journal.Counted(**values)


def renamed(**fields: Any) -> Journal.Renamed:
    """Built from a dict: mypy cannot see the fields eventsourcing's metaclass adds."""
    envelope: dict[str, Any] = {"originator_id": ID, "originator_version": 2, "timestamp": T0}
    return Journal.Renamed(**(envelope | fields))


def stored(topic: str, state: bytes) -> StoredEvent:
    return StoredEvent(originator_id=ID, originator_version=2, topic=topic, state=state)


@pytest.fixture
def mapper() -> CanonicalMapper:
    return CanonicalMapper()


def test_every_supported_field_type_survives_a_round_trip(mapper: CanonicalMapper) -> None:
    event = recorded(note="after the funeral")
    decoded = mapper.to_domain_event(mapper.to_stored_event(event))
    assert type(decoded) is Journal.Recorded
    assert decoded == event
    assert isinstance(decoded.ref, UUID)
    assert isinstance(decoded.score, Score)
    assert decoded.tags == ("grief", "sleep")
    assert decoded.pair == (1, date(2025, 3, 1))
    assert decoded.seen_at.utcoffset() == timedelta(0)


def test_created_event_keeps_its_originator_topic(mapper: CanonicalMapper) -> None:
    event = Journal(title="sessions").collect_events()[0]
    decoded = mapper.to_domain_event(mapper.to_stored_event(event))
    assert decoded == event
    assert isinstance(decoded, Journal.Created)
    assert decoded.originator_topic == Journal.TOPIC


def test_canonical_bytes_are_stable_sorted_and_leave_the_envelope_out() -> None:
    first, second = canonical_bytes(recorded()), canonical_bytes(recorded())
    assert first == second
    state = orjson.loads(first)
    assert list(state) == sorted(state)
    assert list(state["score"]) == sorted(state["score"])
    assert "originator_id" not in state
    assert "originator_version" not in state


def test_canonical_bytes_of_a_versioned_event_are_exactly_known() -> None:
    event = renamed(originator_version=3, title="t", reason="r")
    assert canonical_bytes(event) == (
        b'{"class_version":3,"reason":"r","timestamp":"2025-01-02T03:04:05Z","title":"t"}'
    )


def test_stored_state_is_what_canonical_bytes_says(mapper: CanonicalMapper) -> None:
    event = recorded()
    assert mapper.to_stored_event(event).state == canonical_bytes(event)


@pytest.mark.parametrize(
    "state",
    [
        b'{"name":"old","timestamp":"2025-01-02T03:04:05Z"}',
        b'{"class_version":2,"name":"old","reason":"unknown","timestamp":"2025-01-02T03:04:05Z"}',
    ],
    ids=["v1", "v2"],
)
def test_older_stored_versions_are_upcast(mapper: CanonicalMapper, state: bytes) -> None:
    decoded = mapper.to_domain_event(stored(Journal.Renamed.TOPIC, state))
    assert decoded == renamed(title="old", reason="unknown")


def test_state_from_newer_code_is_refused(mapper: CanonicalMapper) -> None:
    state = b'{"class_version":4,"title":"t","reason":"r","timestamp":"2025-01-02T03:04:05Z"}'
    with pytest.raises(MapperDeserialisationError, match="newer than"):
        mapper.to_domain_event(stored(Journal.Renamed.TOPIC, state))


def test_field_without_an_upcast_is_refused(mapper: CanonicalMapper) -> None:
    state = orjson.loads(canonical_bytes(recorded())) | {"mood": "low"}
    with pytest.raises(MapperDeserialisationError, match=r"unexpected fields \['mood'\]"):
        mapper.to_domain_event(stored(Journal.Recorded.TOPIC, orjson.dumps(state)))


@pytest.mark.parametrize(
    "state", [b"not json", b'{"title":"t"}', b"[]"], ids=["garbage", "missing", "not-object"]
)
def test_undecodable_state_names_topic_id_and_version(
    mapper: CanonicalMapper, state: bytes
) -> None:
    with pytest.raises(MapperDeserialisationError) as caught:
        mapper.to_domain_event(stored(Journal.Renamed.TOPIC, state))
    message = str(caught.value)
    assert Journal.Renamed.TOPIC in message
    assert str(ID) in message
    assert "originator_version 2" in message


def test_unknown_topic_is_a_deserialisation_error(mapper: CanonicalMapper) -> None:
    with pytest.raises(MapperDeserialisationError, match=r"tests\.nowhere:Gone"):
        mapper.to_domain_event(stored("tests.nowhere:Gone", b"{}"))


@pytest.mark.parametrize(
    "changes",
    [
        {"timestamp": T0.replace(tzinfo=None)},
        {"seen_at": T0.astimezone(timezone(timedelta(hours=2)))},
        {"ratio": math.nan},
    ],
    ids=["naive", "not-utc", "nan"],
)
def test_values_json_cannot_carry_faithfully_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        canonical_bytes(recorded(**changes))


def test_a_local_time_in_a_field_of_any_declared_type_is_refused() -> None:
    local = T0.astimezone(timezone(timedelta(hours=2)))
    with pytest.raises(ValueError, match=r"Timed\.part must be a UTC datetime"):
        canonical_bytes(timed(part=local))
    with pytest.raises(ValueError, match="text"):
        canonical_bytes(recorded(text=local))


def test_a_value_orjson_cannot_write_is_written_as_pydantic_json_mode_writes_it() -> None:
    assert b'"wait":"PT1H"' in canonical_bytes(timed())
    assert b'"by_item":{"9":"sleep"}' in canonical_bytes(counted({9: "sleep"}))


def test_an_integer_given_for_a_nested_float_is_written_as_a_float() -> None:
    data = canonical_bytes(timed(hours=(24, 1.5)))
    assert b'"hours":[24.0,1.5]' in data


def test_compression_and_encryption_wrap_the_canonical_bytes() -> None:
    key = b64encode(bytes(range(32))).decode()
    mapper = CanonicalMapper(
        compressor=ZlibCompressor(), cipher=AESCipher(Environment(env={"CIPHER_KEY": key}))
    )
    event = recorded()
    stored_event = mapper.to_stored_event(event)
    assert b"slept badly" not in stored_event.state
    assert mapper.to_domain_event(stored_event) == event


def journal_app(**env: str) -> Application[UUID]:
    return Application[UUID](env={"PERSISTENCE_MODULE": "eventsourcing.popo",
                                  "MAPPER_TOPIC": "services.store.mapper:CanonicalMapper", **env})


def test_application_plugs_the_mapper_in() -> None:
    app = journal_app()
    assert isinstance(app.mapper, CanonicalMapper)
    journal = Journal(title="sessions")
    envelope = ("originator_id", "originator_version", "timestamp")
    journal.record(**{k: v for k, v in vars(recorded()).items() if k not in envelope})
    app.save(journal)
    loaded: Journal = app.repository.get(journal.id)
    assert loaded.version == 2
    assert loaded.last_score == Score(measure="PHQ-9", value=14)
    assert loaded.created_on == journal.created_on


def test_snapshots_are_refused_with_a_reason() -> None:
    app = journal_app(IS_SNAPSHOTTING_ENABLED="y")
    journal = Journal(title="sessions")
    app.save(journal)
    with pytest.raises(TypeError, match="snapshots are not supported"):
        app.take_snapshot(journal.id)


@pytest.mark.parametrize(
    "changes",
    [{"count": "three"}, {"seen_at": "yesterday"}, {"score": {"measure": "PHQ-9"}},
     {"tags": "grief"}],
    ids=["mistyped", "bad-datetime", "nested-missing", "not-array"],
)
def test_a_corrupted_current_version_row_is_refused(
    mapper: CanonicalMapper, changes: dict[str, Any]
) -> None:
    state = orjson.loads(canonical_bytes(recorded())) | changes
    with pytest.raises(MapperDeserialisationError, match=Journal.Recorded.TOPIC):
        mapper.to_domain_event(stored(Journal.Recorded.TOPIC, orjson.dumps(state)))


def test_the_one_pass_decoder_builds_what_validation_builds(mapper: CanonicalMapper) -> None:
    event = recorded()
    row = mapper.to_stored_event(event)
    decoder = event_decoder(Journal.Recorded)
    assert decoder is not None
    fast = decoder(row.state, ID, 2)
    assert fast == event == CanonicalMapper._validated(Journal.Recorded, row.state, row)
    assert vars(fast) == vars(event)
    assert type(fast.score) is Score


def test_every_catalogue_event_takes_the_one_pass_path_and_reads_back_equal() -> None:
    assert all(event_decoder(cls) is not None for cls in CATALOGUE)
    mapper = CanonicalMapper()
    journey = Journey("ipt").through_initial().complete()
    for event in journey.pathway.collect_events():
        row = mapper.to_stored_event(event)
        decoded = mapper.to_domain_event(row)
        assert decoded == event, type(event).__name__
        assert vars(decoded) == vars(CanonicalMapper._validated(type(event), row.state, row))
