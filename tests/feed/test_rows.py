"""The feed's fast path writes the same envelope as ``Envelopes.json``, for every event type,
whatever shape the stored row has."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from domain.group.events import CATALOGUE as GROUP_CATALOGUE
from projections.log import LoggedEvent
from services.feed.rows import RowEnvelopes, copied_fields, encode, subject_text
from services.integration import INTEGRATION_EVENTS, NotPublished, check_envelope
from services.integration.envelope import Envelopes
from services.store.mapper import CanonicalMapper
from tests.events.catalogue_events import CATALOGUE, logged, stored_rows

ENVELOPES = Envelopes("https://carepath.test")
GROUP_TOPICS = {cls.TOPIC for cls in GROUP_CATALOGUE}


class _Log:
    """What RowEnvelopes asks of the ordered log on its slow path: the mapper's decode."""

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper

    def decode(self, rows: list[Any]) -> list[LoggedEvent]:
        return [LoggedEvent(row.id, self.mapper.to_domain_event(row)) for row in rows]


def _rows(stored: tuple[StoredEvent, ...]) -> list[tuple[int, Any, int, str, bytes]]:
    return [(position, row.originator_id, row.originator_version, row.topic, row.state)
            for position, row in enumerate(stored, start=1)]


def _encoder(mapper: Any | None = None) -> RowEnvelopes:
    mapper = mapper or CanonicalMapper()
    return RowEnvelopes(ENVELOPES, _Log(mapper), mapper)  # type: ignore[arg-type]


def test_the_rows_cover_every_event_type_of_the_catalogue() -> None:
    """Guards the next test: it is only as good as the rows it sees."""
    assert {row.topic for row in stored_rows()} == {cls.TOPIC for cls in CATALOGUE}


def test_every_row_gives_the_envelope_the_relay_sends() -> None:
    positions, fast = _encoder().envelopes(_rows(stored_rows()))
    slow = [ENVELOPES.envelope(item) for item in logged()]

    assert positions == list(range(1, len(slow) + 1))
    for ours, theirs in zip(fast, slow, strict=True):
        assert encode(ours) == orjson.dumps(theirs), "the same bytes, in the same order"
        check_envelope(orjson.loads(encode(ours)))


def test_most_types_are_copied_by_name_and_the_rest_reshaped_by_their_own_model() -> None:
    copied = [model for model in INTEGRATION_EVENTS
              if copied_fields(model, model.publishes) is not None]

    assert len(copied) >= len(INTEGRATION_EVENTS) - 4
    assert {"InventoryRecorded", "ContractSigned"}.isdisjoint(m.__name__ for m in copied)


def test_a_sqlite_row_names_its_pathway_as_the_canonical_uuid_text() -> None:
    pathway_id = UUID(str(stored_rows()[0].originator_id))

    assert subject_text(pathway_id.hex) == str(pathway_id)
    assert subject_text(pathway_id) == str(pathway_id)


def test_a_row_stored_at_an_older_class_version_is_upcast_as_the_mapper_does() -> None:
    measure = next(row for row in stored_rows() if row.topic == "carepath:MeasureRecorded")
    state = orjson.loads(measure.state)
    band = state.pop("band")
    state.pop("class_version")
    old = StoredEvent(measure.originator_id, measure.originator_version, measure.topic,
                      orjson.dumps(state))

    _, (envelope,) = _encoder().envelopes(_rows((old,)))

    assert orjson.loads(encode(envelope))["data"]["band"] == band


def test_integral_hours_are_written_as_the_model_writes_them() -> None:
    missed = next(row for row in stored_rows() if row.topic == "carepath:SessionMissed"
                  and b'"notice_hours":12' in row.state)

    _, (envelope,) = _encoder().envelopes(_rows((missed,)))

    assert b'"notice_hours":12.0' in encode(envelope)


def test_encrypted_rows_are_decrypted_first() -> None:
    from eventsourcing.cryptography import AESCipher  # noqa: PLC0415
    from eventsourcing.utils import Environment  # noqa: PLC0415

    key = AESCipher.create_key(32)
    cipher = AESCipher(Environment(env={"CIPHER_KEY": key}))
    mapper = CanonicalMapper(cipher=cipher)
    rows = [mapper.to_stored_event(item.event) for item in logged()[:40]]

    _, envelopes = _encoder(mapper).envelopes(_rows(tuple(rows)))

    assert [encode(e) for e in envelopes] == [ENVELOPES.json(item) for item in logged()[:40]]


def test_a_row_of_a_class_nothing_publishes_is_an_error_not_a_silent_gap() -> None:
    """Every stored event class is published (a pathway's and a group's); a class left out of
    the catalogue by mistake stops the page instead of leaving a hole in the stream."""
    first, second = stored_rows()[:2]
    unpublished = StoredEvent(second.originator_id, second.originator_version,
                              "carepath:PathwayEvent", second.state)

    with pytest.raises(NotPublished, match="PathwayEvent"):
        _encoder().envelopes(_rows((first, unpublished, first)))


def test_group_events_are_enveloped_as_the_group_s_under_their_own_type() -> None:
    rows = tuple(row for row in stored_rows() if row.topic in GROUP_TOPICS)

    _, envelopes = _encoder().envelopes(_rows(rows))

    sent = [orjson.loads(encode(envelope)) for envelope in envelopes]
    assert {e["type"] for e in sent} == {f"org.carepath.group.{name}.v1" for name in (
        "GroupFormed", "MemberEnrolled", "MemberLeft", "GroupSessionHeld", "GroupClosed")}
    assert {e["source"] for e in sent} == {"/carepath/groups"}
    assert {e["subject"] for e in sent} == {str(rows[0].originator_id)}
    assert [e["aggregateversion"] for e in sent] == list(range(1, len(sent) + 1))
    closed = sent[-1]
    assert closed["data"] == {"outcome": "ended_early"}  # the reason stays home
