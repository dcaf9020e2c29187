"""A strict check of a CloudEvent in structured JSON mode against the CloudEvents 1.0 spec.

The ``cloudevents`` SDK fills a missing ``id``, ``specversion`` or ``time`` without a word, so
it cannot tell whether an envelope is valid; this checks what the spec (core attributes, JSON
event format) demands, and ``check_envelope`` adds what every carepath envelope carries.
Tests run it on every envelope the feed serves and the broker delivers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from pydantic import ValidationError

from services.integration.catalogue import by_type
from services.integration.event import IntegrationEvent

_REQUIRED = ("specversion", "id", "source", "type")
_NAME = re.compile(r"^[a-z0-9]+$")
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_URI_REFERENCE = re.compile(r"^[^\s\x00-\x1f\x7f]+$")
_RFC3339 = re.compile(
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")
_INT32 = (-(2**31), 2**31 - 1)
_DATA = ("data", "data_base64")
_CAREPATH_INTEGERS = ("aggregateversion", "position", "schemaversion")
_CAREPATH_STRINGS = ("subject", "time", "recordedtime", "datacontenttype", "dataschema",
                     "correlationid")


class InvalidCloudEvent(ValueError):
    """An envelope that breaks the spec (or carepath's envelope); ``problems`` say where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def cloudevent_problems(event: Any) -> list[str]:
    """What in ``event`` (a decoded structured-mode JSON object) breaks CloudEvents 1.0."""
    if not isinstance(event, Mapping):
        return ["a structured CloudEvent is a JSON object"]
    problems = [f"{name}: required" for name in _REQUIRED if name not in event]
    if "data" in event and "data_base64" in event:
        problems.append("data, data_base64: at most one of them")
    for name, value in event.items():
        if name in _DATA:
            continue
        problems.extend(f"{name}: {problem}" for problem in _attribute_problems(name, value))
    return problems


def _attribute_problems(name: str, value: Any) -> list[str]:
    if not isinstance(name, str) or not _NAME.match(name):
        return ["attribute names are lower-case ASCII letters and digits"]
    if value is None:
        return ["null is not a value (leave the attribute out)"]
    check = _CORE.get(name, _extension_problems)
    return check(value)


def _extension_problems(value: Any) -> list[str]:
    """An extension is a Boolean, an Integer (32 bits) or a string form (String, Binary, URI,
    URI-reference, Timestamp)."""
    if isinstance(value, bool | str):
        return []
    if isinstance(value, int):
        low, high = _INT32
        return [] if low <= value <= high else ["an Integer is a 32-bit signed number"]
    return [f"{type(value).__name__} is not a CloudEvents type"]


def _non_empty_string(value: Any) -> list[str]:
    return [] if isinstance(value, str) and value else ["a non-empty string"]


def _string_like(value: Any, pattern: re.Pattern[str], what: str) -> list[str]:
    if not isinstance(value, str) or not pattern.match(value):
        return [f"must be {what}"]
    return []


_CORE: dict[str, Callable[[Any], list[str]]] = {
    "specversion": lambda value: [] if value == "1.0" else ["must be 1.0"],
    "id": _non_empty_string,
    "type": _non_empty_string,
    "subject": _non_empty_string,
    "source": lambda value: _string_like(value, _URI_REFERENCE, "a URI-reference"),
    "dataschema": lambda value: _string_like(value, _ABSOLUTE_URI, "an absolute URI"),
    "time": lambda value: _string_like(value, _RFC3339, "an RFC 3339 timestamp"),
    "datacontenttype": lambda value: _string_like(value, _MEDIA_TYPE, "an RFC 2046 media type"),
}
"""The spec's own attributes and what each must be; any other name is an extension."""


def envelope_problems(event: Any) -> list[str]:
    """What in ``event`` breaks CloudEvents 1.0 or carepath's envelope (every attribute of
    ``services.integration.envelope`` present, a type we publish, ``data`` an object that
    the type's integration event accepts, field by field, at its current version)."""
    problems = cloudevent_problems(event)
    if problems:
        return problems
    missing = [name for name in (*_CAREPATH_INTEGERS, *_CAREPATH_STRINGS, "data")
               if name not in event]
    problems.extend(f"{name}: carepath's envelopes carry it" for name in missing)
    problems.extend(f"{name}: an Integer" for name in _CAREPATH_INTEGERS
                    if name in event and (isinstance(event[name], bool)
                                          or not isinstance(event[name], int)))
    if "recordedtime" in event and not _RFC3339.match(str(event["recordedtime"])):
        problems.append("recordedtime: must be an RFC 3339 timestamp")
    if event.get("datacontenttype") not in (None, "application/json"):
        problems.append("datacontenttype: carepath's data is application/json")
    published = by_type(event["type"])
    if published is None:
        problems.append(f"type: {event['type']!r} is not an event carepath publishes")
    if not isinstance(event.get("data"), Mapping):
        problems.append("data: a JSON object")
    elif published is not None and event.get("schemaversion") == published.version:
        problems.extend(_data_problems(published, event["data"]))
    return problems


def _data_problems(published: type[IntegrationEvent], data: Mapping[str, Any]) -> list[str]:
    """What in ``data`` the current version of its integration event refuses (an older
    version's data is checked against the schema its ``dataschema`` names, not here)."""
    try:
        published.model_validate_json(orjson.dumps(data))
    except ValidationError as error:
        return [f"data.{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                for item in error.errors(include_url=False)]
    return []


def check_envelope(event: Any) -> None:
    """Raise ``InvalidCloudEvent`` unless ``event`` is a valid carepath CloudEvent."""
    problems = envelope_problems(event)
    if problems:
        raise InvalidCloudEvent(problems)
