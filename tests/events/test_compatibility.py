"""The compatibility rules: a new version of a schema accepts every event an earlier one did."""

from __future__ import annotations

from typing import Any

import pytest

from services.integration.compatibility import backward_problems
from services.integration.schemas import line_problems

CODES = {"enum": ["no_show", "late_cancellation"], "type": "string"}
V1: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["kind", "minutes"],
    "properties": {"kind": CODES, "minutes": {"type": "integer", "minimum": 1},
                   "icd10": {"type": "string", "pattern": "^[A-Z][0-9]{2}$"}},
}


def changed(**properties: Any) -> dict[str, Any]:
    """V1 with some properties replaced (None removes one)."""
    merged = {**V1["properties"], **properties}
    return {**V1, "properties": {k: v for k, v in merged.items() if v is not None}}


COMPATIBLE = {
    "the same schema": V1,
    "a new optional property": changed(notice_hours={"type": "number"}),
    "a wider enum": changed(kind={"enum": [*CODES["enum"], "cancelled"], "type": "string"}),
    "an integer becoming a number": changed(minutes={"type": "number", "minimum": 1}),
    "a value becoming nullable": changed(minutes={"anyOf": [
        {"type": "integer", "minimum": 1}, {"type": "null"}]}),
    "a looser bound": changed(minutes={"type": "integer", "minimum": 0}),
    "a dropped bound": changed(minutes={"type": "integer"}),
    "a dropped pattern": changed(icd10={"type": "string"}),
    "new annotations": {**changed(kind={**CODES, "description": "how it was missed",
                                        "title": "Kind"}), "x-note": 1, "description": "d"},
    "a property no longer required": {**V1, "required": ["kind"]},
    "an enum widened to its type": changed(kind={"type": "string"}),
}
INCOMPATIBLE = {
    "a property removed": (changed(minutes=None), "minutes: removed"),
    "a property newly required": ({**V1, "required": [*V1["required"], "icd10"]},
                                  "icd10: now required"),
    "a new required property": ({**changed(notice_hours={"type": "number"}),
                                 "required": [*V1["required"], "notice_hours"]},
                                "notice_hours: now required"),
    "an enum value dropped": (changed(kind={"enum": ["no_show"], "type": "string"}),
                              "kind: 'late_cancellation' no longer accepted"),
    "an integer becoming a string": (changed(minutes={"type": "string"}),
                                     "minutes: integer no longer accepted"),
    "a number becoming an integer": (changed(minutes={"type": "integer", "minimum": 1}),
                                     "minutes: number no longer accepted"),
    "a tighter bound": (changed(minutes={"type": "integer", "minimum": 5}),
                        "minutes: minimum 5 is tighter than before (1)"),
    "a new bound": (changed(minutes={"type": "integer", "minimum": 1, "maximum": 240}),
                    "minutes: maximum 240 is tighter than before (none)"),
    "a changed pattern": (changed(icd10={"type": "string", "pattern": "^[A-Z]$"}),
                          "icd10: pattern '^[A-Z]$' differs"),
    "a new format": (changed(icd10={"type": "string", "pattern": "^[A-Z][0-9]{2}$",
                                    "format": "date"}), "icd10: format 'date' differs"),
    "nullable no longer": (changed(minutes={"type": "integer", "minimum": 1}),
                           "minutes: null no longer accepted"),
    "a schema it cannot judge": (changed(icd10={"type": "string", "pattern": "^[A-Z][0-9]{2}$",
                                                "contentEncoding": "base64"}),
                                 "icd10: cannot judge 'contentEncoding'"),
}


@pytest.mark.parametrize("new", COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_a_compatible_change_passes(new: dict[str, Any]) -> None:
    assert backward_problems(V1, new) == []


@pytest.mark.parametrize(("new", "problem"), INCOMPATIBLE.values(), ids=INCOMPATIBLE.keys())
def test_an_incompatible_change_is_named(new: dict[str, Any], problem: str) -> None:
    old = V1
    if problem.startswith("minutes: null"):
        old = changed(minutes={"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})
    if problem.startswith("minutes: number"):
        old = changed(minutes={"type": "number", "minimum": 1})
    problems = backward_problems(old, new)
    assert any(found.startswith(problem) for found in problems), problems


def test_closing_an_open_object_is_incompatible() -> None:
    opened = {**V1, "additionalProperties": True}
    assert backward_problems(opened, V1) == [
        "*: the new schema refuses values the old one accepted"]


def test_nested_objects_are_compared_through_their_definitions() -> None:
    def inventory(closeness: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": False, "required": ["entries"],
                "properties": {"entries": {"type": "array",
                                           "items": {"$ref": "#/$defs/Entry"}}},
                "$defs": {"Entry": {"type": "object", "additionalProperties": False,
                                    "required": ["closeness"],
                                    "properties": {"closeness": closeness}}}}

    old = inventory({"type": "integer", "minimum": 1})
    assert backward_problems(old, inventory({"type": "integer"})) == []
    assert backward_problems(old, inventory({"type": "integer", "minimum": 2})) == [
        "entries[].closeness: minimum 2 is tighter than before (1)"]


def test_a_pattern_that_every_old_code_passes_is_compatible() -> None:
    new = changed(kind={"type": "string", "pattern": "^[a-z_]+$"})
    assert backward_problems(V1, new) == []
    assert backward_problems(V1, changed(kind={"type": "string", "pattern": "^[a-z]+$"})) != []


def _version(schema: dict[str, Any], major: int = 1) -> dict[str, Any]:
    return {**schema, "x-cloudevents-type": f"org.carepath.pathway.SessionMissed.v{major}"}


def test_every_version_is_checked_against_every_earlier_one_not_only_the_last() -> None:
    wide = changed(kind={"enum": ["no_show", "late_cancellation", "cancelled"],
                         "type": "string"})
    narrow = changed(kind={"enum": ["no_show", "cancelled"], "type": "string"})
    problems = line_problems({1: _version(V1), 2: _version(wide), 3: _version(narrow)})
    assert problems == [
        "v3 is incompatible with v1: kind: 'late_cancellation' no longer accepted",
        "v3 is incompatible with v2: kind: 'late_cancellation' no longer accepted",
    ]


def test_a_new_major_starts_a_line_of_its_own() -> None:
    broken = changed(minutes=None)
    assert line_problems({1: _version(V1), 2: _version(broken, major=2)}) == []
    assert line_problems({1: _version(V1), 2: _version(broken)}) == [
        "v2 is incompatible with v1: minutes: removed (older events carry it)"]
