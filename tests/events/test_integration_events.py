"""Integration events carry codes, ids and numbers of every stored event, and nothing about the
client nor any free text: PHI stays home."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from domain.pathway import events as e
from domain.pathway.events import PHI_PATHS
from services.integration import INTEGRATION_EVENTS, integration_event_for
from services.integration.envelope import Envelopes
from services.integration.event import IntegrationEvent
from tests.events.catalogue_events import (
    CATALOGUE,
    FREE_TEXT,
    MARK,
    META_TEXT,
    logged,
    marked,
    stored_rows,
)

ENVELOPES = Envelopes("http://127.0.0.1:8000")
STAFF_IDS = {("PathwayOpened", "therapist_id"), ("GroupFormed", "leaders[]")}
"""The free-form ids published: clinicians' (the callers' own user ids), never a client's."""
NOT_PUBLISHED = {"occurred_at", "timestamp", "originator_topic", "meta.correlation_id",
                 "meta.actor_role", "meta.protocol", "meta.rules_checked[]"}
"""Stored texts that reach the envelope elsewhere (``time``, ``recordedtime``,
``correlationid``) or stay home as the audit's business (the actor's role, the command's
protocol, the rules checked, the aggregate's class)."""
RESHAPED = {"ContractSigned.signatures[].signer", "MaintenanceScheduled.protocol"}
"""Stored codes published under another shape (``signers``; ``protocol_id`` and version)."""


def test_every_catalogue_event_has_exactly_one_integration_event() -> None:
    assert [cls.publishes for cls in INTEGRATION_EVENTS] == list(CATALOGUE)
    for event_class in CATALOGUE:
        assert integration_event_for(event_class).name() == event_class.__name__


def test_the_sample_covers_every_event_type() -> None:
    assert {type(item.event) for item in logged()} == set(CATALOGUE)


def test_no_phi_or_free_text_reaches_any_envelope() -> None:
    rows = tuple(marked(row) for row in stored_rows())
    for item in logged(rows):
        body = ENVELOPES.json(item)
        assert MARK.encode() not in body, (item.type, body)
        assert b"client_age" not in body
        assert b"117" not in orjson.dumps(ENVELOPES.envelope(item)["data"])


def test_the_marks_were_really_there_before_enveloping() -> None:
    rows = tuple(marked(row) for row in stored_rows())
    names = {row.topic.removeprefix("carepath:") for row in rows if MARK.encode() in row.state}
    assert names == {cls.__name__ for cls in CATALOGUE}  # every event has at least meta marked
    assert any(b'"client_age":117' in row.state for row in rows)


def _leaves(schema: dict[str, Any], root: dict[str, Any], path: str = "") -> list[
        tuple[str, dict[str, Any]]]:
    """(dotted path, schema) of every leaf of an integration event's JSON Schema."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return [leaf for branch in schema["anyOf"] for leaf in _leaves(branch, root, path)]
    if schema.get("type") == "object":
        return [leaf for name, inner in schema.get("properties", {}).items()
                for leaf in _leaves(inner, root, f"{path}.{name}" if path else name)]
    if schema.get("type") == "array":
        return _leaves(schema["items"], root, f"{path}[]")
    return [(path, schema)]


@pytest.mark.parametrize("event", INTEGRATION_EVENTS, ids=lambda cls: cls.name())
def test_no_published_field_is_a_phi_field_or_a_free_text(event: type[IntegrationEvent]) -> None:
    schema = event.model_json_schema(mode="serialization")
    paths = {path for path, _ in _leaves(schema, schema)}
    kept_home = {*PHI_PATHS.get(event.name(), ()), *FREE_TEXT.get(event.name(), ()), *META_TEXT}
    assert not paths & kept_home
    assert not {path.split(".")[0] for path in kept_home} & paths


@pytest.mark.parametrize("event", INTEGRATION_EVENTS, ids=lambda cls: cls.name())
def test_every_published_string_is_a_code_a_date_or_an_id(event: type[IntegrationEvent]) -> None:
    schema = event.model_json_schema(mode="serialization")
    for path, leaf in _leaves(schema, schema):
        if leaf.get("type") != "string" or (event.name(), path) in STAFF_IDS:
            continue
        constrained = ("enum" in leaf or "const" in leaf or leaf.get("format") == "date"
                       or (" " not in leaf.get("pattern", " ") and "\\s" not in leaf["pattern"]))
        assert constrained, f"{event.name()}.{path} could carry free text: {leaf}"


def _string_paths(value: Any, path: str = "") -> set[str]:
    if isinstance(value, str):
        return {path}
    if isinstance(value, dict):
        return {found for key, inner in value.items()
                for found in _string_paths(inner, f"{path}.{key}" if path else key)}
    if isinstance(value, list):
        return {found for inner in value for found in _string_paths(inner, f"{path}[]")}
    return set()


def test_every_stored_text_is_published_or_deliberately_kept_home() -> None:
    """A new text field on a stored event fails here until someone decides what it is."""
    unclassified: set[str] = set()
    for row, item in zip(stored_rows(), logged(), strict=True):
        name = item.type
        published = _string_paths(ENVELOPES.envelope(item)["data"])
        kept_home = {*PHI_PATHS.get(name, ()), *FREE_TEXT.get(name, ()), *META_TEXT,
                     *NOT_PUBLISHED}
        stored = _string_paths(orjson.loads(row.state))
        unclassified |= {f"{name}.{path}" for path in stored - published - kept_home}
    assert unclassified == RESHAPED


def test_the_signers_are_published_without_who_they_are() -> None:
    signed = next(item for item in logged() if isinstance(item.event, e.ContractSigned))
    assert isinstance(signed.event, e.ContractSigned)
    data = ENVELOPES.envelope(signed)["data"]
    assert data["signers"] == [s.signer for s in signed.event.signatures]
    assert "signatures" not in data
    assert "contingencies" not in data


def test_an_inventory_keeps_its_codes_and_loses_its_names() -> None:
    recorded = next(item for item in logged() if isinstance(item.event, e.InventoryRecorded))
    assert isinstance(recorded.event, e.InventoryRecorded)
    entries = ENVELOPES.envelope(recorded)["data"]["relationships"]
    assert len(entries) == len(recorded.event.relationships)
    first, stored = entries[0], recorded.event.relationships[0]
    assert first == {"closeness": stored.closeness, "quality": stored.quality,
                     "deceased": stored.deceased, "recent_change": stored.recent_change,
                     "candidate_areas": list(stored.candidate_areas)}


def test_a_deviation_publishes_its_rule_id_only() -> None:
    deviation = next(item for item in logged() if isinstance(item.event, e.DeviationRecorded))
    assert isinstance(deviation.event, e.DeviationRecorded)
    assert ENVELOPES.envelope(deviation)["data"] == {"rule": deviation.event.rule}


def test_integration_events_are_closed_and_frozen() -> None:
    opened = integration_event_for(CATALOGUE[0])
    fields = {"therapist_id": "t-1", "protocol_id": "ipt", "protocol_version": 1,
              "format": "individual", "channel": "video", "referral_date": "2026-01-02"}
    made = opened.model_validate(fields)
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        opened.model_validate({**fields, "client_ref": "c-1"})
    with pytest.raises(ValueError, match="frozen"):
        made.therapist_id = "t-2"  # type: ignore[attr-defined]
