"""The published JSON Schemas: generated from the models, versioned in the repository, closed,
never changed once published, and each version compatible with every earlier one of its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from services.integration import INTEGRATION_EVENTS
from services.integration.envelope import Envelopes
from services.integration.pathway import SessionMissed
from services.integration.schemas import (
    SCHEMA_DIR,
    SchemaRefused,
    check_schemas,
    generated_schema,
    published,
    schema_file,
    write_schemas,
)
from tests.events.catalogue_events import logged


def test_the_published_schemas_match_the_models_and_every_line_is_compatible() -> None:
    assert check_schemas() == []


@pytest.mark.parametrize("event", INTEGRATION_EVENTS, ids=lambda cls: cls.name())
def test_each_event_has_its_versions_published_from_v1(event: Any) -> None:
    versions = published(event.name())
    assert list(versions) == list(range(1, event.version + 1))
    assert versions[event.version] == generated_schema(event)


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        here = [node] if node.get("type") == "object" else []
        return here + [found for value in node.values() for found in _objects(value)]
    if isinstance(node, list):
        return [found for value in node for found in _objects(value)]
    return []


def test_every_published_object_is_closed() -> None:
    files = sorted(SCHEMA_DIR.glob("*/v*.json"))
    assert len(files) >= len(INTEGRATION_EVENTS)
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert all(found.get("additionalProperties") is False for found in _objects(schema))


def test_every_envelope_data_is_valid_against_the_schema_its_dataschema_names() -> None:
    envelopes = Envelopes("http://127.0.0.1:8000")
    for item in logged():
        envelope = envelopes.envelope(item)
        name, version = envelope["dataschema"].split("/")[-2:]
        schema = json.loads((SCHEMA_DIR / name / version).read_text(encoding="utf-8"))
        assert schema["x-cloudevents-type"] == envelope["type"]
        assert schema["x-schema-version"] == envelope["schemaversion"]
        jsonschema.validate(envelope["data"], schema, cls=jsonschema.Draft202012Validator)


def test_a_schema_refuses_a_field_it_does_not_publish() -> None:
    schema = generated_schema(SessionMissed)
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate({"kind": "no_show", "notice_hours": None, "reason": "ill"}, schema)


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A copy of the published schemas to write into."""
    shutil.copytree(SCHEMA_DIR, tmp_path / "schemas")
    return tmp_path / "schemas"


class NoticeAsText(SessionMissed, frozen=True):
    """A model changed under the same version: notice hours as text."""

    notice_hours: str | None  # type: ignore[assignment]


def _renamed(event: type[SessionMissed], version: int, major: int = 1) -> type[SessionMissed]:
    """``event`` published as SessionMissed's schema ``version`` in line ``major``."""
    return type(event.__name__, (event,), {"version": version, "major": major,
                                           "__module__": __name__})


def _catalogue_with(event: type[SessionMissed]) -> list[Any]:
    return [event if cls is SessionMissed else cls for cls in INTEGRATION_EVENTS]


def test_write_adds_nothing_when_every_version_is_published(schemas: Path) -> None:
    assert not any(written.added for written in write_schemas(directory=schemas))


def test_a_model_changed_without_a_version_bump_is_refused_and_nothing_written(
        schemas: Path) -> None:
    before = schema_file("SessionMissed", 2, schemas).read_text(encoding="utf-8")
    with pytest.raises(SchemaRefused, match="SessionMissed: v2 is published and the model no"
                                            " longer matches it; give SessionMissed version = 3"):
        write_schemas([NoticeAsText], schemas)
    assert schema_file("SessionMissed", 2, schemas).read_text(encoding="utf-8") == before
    assert check_schemas(_catalogue_with(NoticeAsText), schemas) == [
        "SessionMissed: v2 is published and the model no longer matches it; give SessionMissed"
        " version = 3 (and major = 3 if the change is incompatible)"]


def test_an_incompatible_change_with_only_a_version_bump_is_refused(schemas: Path) -> None:
    with pytest.raises(SchemaRefused, match="v3 is incompatible with v2: notice_hours: number"
                                            " no longer accepted"):
        write_schemas([_renamed(NoticeAsText, 3)], schemas)
    assert not schema_file("SessionMissed", 3, schemas).exists()


def test_an_incompatible_change_with_a_new_major_is_written_under_a_new_type(
        schemas: Path) -> None:
    event = _renamed(NoticeAsText, 3, major=3)
    [written] = write_schemas([event], schemas)
    assert written.added
    schema = json.loads(written.path.read_text(encoding="utf-8"))
    assert schema["x-cloudevents-type"] == "org.carepath.pathway.SessionMissed.v3"
    assert check_schemas(_catalogue_with(event), schemas) == []


class NoticeAndChannel(SessionMissed, frozen=True):
    """A compatible change: a new optional field."""

    channel: str | None = None


def test_a_compatible_change_is_written_as_the_next_version_of_the_line(schemas: Path) -> None:
    event = _renamed(NoticeAndChannel, 3)
    [written] = write_schemas([event], schemas)
    assert written.path == schema_file("SessionMissed", 3, schemas)
    assert check_schemas(_catalogue_with(event), schemas) == []
    assert event.cloudevents_type() == "org.carepath.pathway.SessionMissed.v1"


def test_a_version_that_skips_one_is_refused(schemas: Path) -> None:
    with pytest.raises(SchemaRefused, match="version 4 should be v3"):
        write_schemas([_renamed(NoticeAndChannel, 4)], schemas)


def test_a_published_file_edited_by_hand_is_found(schemas: Path) -> None:
    path = schema_file("SessionMissed", 2, schemas)
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["kind"]["enum"].remove("no_show")
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert any(problem.startswith("SessionMissed: v2 is published and the model no longer")
               for problem in check_schemas(directory=schemas))


def test_a_schema_of_no_event_is_found(schemas: Path) -> None:
    (schemas / "SessionCancelled").mkdir()
    assert check_schemas(directory=schemas) == [
        "SessionCancelled: published, but no integration event has that name"]
