"""Whether a new version of an event's JSON Schema still accepts every event of an older one.

Consumers replay old events (a broker stream keeps them, and a consumer written today reads
the whole history), so a new version of a schema must accept every instance of every earlier
version of its line: ``backward_problems(old, new)`` lists what could break, empty when the new
schema is a superset of the old. The rules, applied recursively:

- compatible: a new optional property (the old schemas are closed, so no old event has it);
  a wider enum; an integer becoming a number; a value becoming nullable; a looser bound
  (minimum, maximum, lengths, item counts); a dropped pattern or format; new annotations
  (title, description, examples, ``x-*``);
- incompatible: a property removed from a closed schema, a property newly required, a type
  or enum value dropped, a bound tightened or added, a pattern or format added or changed,
  an open object closed, and any assertion keyword this checker does not know (it would
  rather refuse than guess).

The check is conservative: it may call a change incompatible that is not (a new pattern that
happens to accept every old value), never the reverse. Forward compatibility (an old consumer
validating a newer event against its older, closed schema) is not promised: consumers validate
each event against the schema its ``dataschema`` names, or ignore fields they do not know.
"""

from __future__ import annotations

import math
import re
from typing import Any

Schema = dict[str, Any] | bool
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment",
                          "deprecated", "readOnly", "writeOnly", "$schema", "$id", "$defs"})
_HANDLED = frozenset({"type", "enum", "const", "anyOf", "$ref", "properties",
                      "required", "additionalProperties", "items", "prefixItems", "minItems",
                      "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
                      "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
                      "format"})
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string",
               type(None): "null", list: "array", dict: "object"}


def backward_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` would refuse an instance ``old`` accepts (empty: compatible)."""
    return _Compare(old, new).subset(old, new, "")


class _Compare:
    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any]) -> None:
        self.roots = (old_root, new_root)

    def subset(self, old: Schema, new: Schema, at: str) -> list[str]:
        old, new = self._resolve(old, 0), self._resolve(new, 1)
        if new is True or old is False or (isinstance(new, dict) and not _assertions(new)):
            return []
        if new is False or old is True or not _assertions(old):
            return [f"{_where(at)}: the new schema refuses values the old one accepted"]
        if "anyOf" in old:  # each alternative (its siblings only narrow it further)
            return [p for branch in old["anyOf"] for p in self.subset(branch, new, at)]
        if "anyOf" in new:
            return self._any_of_new(old, new, at)
        return self._single(old, new, at)

    def _resolve(self, schema: Schema, side: int) -> Schema:
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].removeprefix("#/$defs/")
            schema = self.roots[side].get("$defs", {})[name]
        return schema

    def _any_of_new(self, old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
        """Some alternative accepts what the old schema does, and so do the siblings."""
        siblings = {key: value for key, value in new.items() if key != "anyOf"}
        problems = self.subset(old, siblings, at) if _assertions(siblings) else []
        attempts = [self.subset(old, branch, at) for branch in new["anyOf"]]
        if any(not attempt for attempt in attempts):
            return problems
        return problems + min(attempts, key=len)

    def _single(self, old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
        unknown = sorted((_assertions(old) | _assertions(new)) - _HANDLED)
        problems = [f"{_where(at)}: cannot judge {name!r}; treated as a change"
                    for name in unknown if old.get(name) != new.get(name)]
        problems += _types(old, new, at) + _values(old, new, at) + _bounds(old, new, at)
        problems += _text(old, new, at)
        problems += self._arrays(old, new, at) + self._objects(old, new, at)
        return problems

    def _arrays(self, old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
        problems = []
        if "items" in new:
            problems += self.subset(old.get("items", True), new["items"], f"{at}[]")
        if new.get("uniqueItems") and not old.get("uniqueItems"):
            problems.append(f"{_where(at)}: items must now be unique")
        if old.get("prefixItems") != new.get("prefixItems"):
            problems.append(f"{_where(at)}: prefixItems changed")
        return problems

    def _objects(self, old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
        if "properties" not in new and "required" not in new and (
                "additionalProperties" not in new):
            return []
        problems = [f"{_join(at, name)}: now required (older events may lack it)"
                    for name in new.get("required", []) if name not in old.get("required", [])]
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        for name, schema in old_props.items():
            if name in new_props:
                problems += self.subset(schema, new_props[name], _join(at, name))
            elif new_extra is False:
                problems.append(f"{_join(at, name)}: removed (older events carry it)")
            else:
                problems += self.subset(schema, new_extra, _join(at, name))
        for name, schema in new_props.items():
            if name not in old_props and old_extra is not False:
                problems += self.subset(old_extra, schema, _join(at, name))
        if old_extra is not False:
            problems += self.subset(old_extra, new_extra, _join(at, "*"))
        return problems


def _assertions(schema: dict[str, Any]) -> set[str]:
    return {key for key in schema if key not in _ANNOTATIONS and not key.startswith("x-")}


def _type_set(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows (None: any), from ``type`` or its enum values."""
    if "type" in schema:
        found = schema["type"]
        return {found} if isinstance(found, str) else set(found)
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values is None:
        return None
    return {_JSON_TYPES[type(value)] for value in values}


def _types(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    old_types, new_types = _type_set(old), _type_set(new)
    if new_types is None or "type" not in new:
        return []
    if old_types is None:
        return [f"{_where(at)}: now limited to {sorted(new_types)}"]
    if "number" in new_types:
        new_types = new_types | {"integer"}
    lost = sorted(old_types - new_types)
    return [f"{_where(at)}: {', '.join(lost)} no longer accepted"] if lost else []


def _values(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    new_values = new.get("enum", [new["const"]] if "const" in new else None)
    if new_values is None:
        return []
    old_values = old.get("enum", [old["const"]] if "const" in old else None)
    if old_values is None:
        return [f"{_where(at)}: now limited to {new_values}"]
    lost = [value for value in old_values if value not in new_values]
    return [f"{_where(at)}: {value!r} no longer accepted" for value in lost]


def _bounds(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    problems = []
    for name in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        if name not in new or _enum_within(old, new):
            continue
        lower = name in _LOWER_BOUNDS
        if name not in old or (old[name] < new[name] if lower else old[name] > new[name]):
            problems.append(f"{_where(at)}: {name} {new[name]} is tighter than before"
                            f" ({old.get(name, 'none')})")
    if "multipleOf" in new and old.get("multipleOf", 0) % new["multipleOf"] != 0:
        problems.append(f"{_where(at)}: multipleOf {new['multipleOf']} is new")
    return problems


def _text(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    return [f"{_where(at)}: {name} {new[name]!r} differs from before ({old.get(name, 'none')!r})"
            for name in ("pattern", "format")
            if name in new and old.get(name) != new[name] and not _enum_within(old, new)]


def _enum_within(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the old schema's values are listed and each passes the new bounds and pattern."""
    values = old.get("enum", [old["const"]] if "const" in old else None)
    if values is None:
        return False
    return all(_passes(value, new) for value in values)


def _passes(value: Any, schema: dict[str, Any]) -> bool:
    if isinstance(value, str):
        pattern: str | None = schema.get("pattern")
        shortest: int = schema.get("minLength", 0)
        longest: float = schema.get("maxLength", math.inf)
        return ("format" not in schema and shortest <= len(value) <= longest
                and (pattern is None or re.search(pattern, value) is not None))
    if isinstance(value, int | float) and not isinstance(value, bool):
        low: float = schema.get("minimum", -math.inf)
        high: float = schema.get("maximum", math.inf)
        above: float = schema.get("exclusiveMinimum", -math.inf)
        below: float = schema.get("exclusiveMaximum", math.inf)
        return low <= value <= high and above < value < below
    return True


def _join(at: str, name: str) -> str:
    return f"{at}.{name}" if at else name


def _where(at: str) -> str:
    return at or "(the event)"
