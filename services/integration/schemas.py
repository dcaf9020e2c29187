"""The JSON Schemas of the integration events, generated from the models, versioned in files.

Layout: ``services/integration/schemas/<Name>/v<N>.json``, one file per published version,
served at ``/schemas/events/<Name>/v<N>.json``. Each file is a JSON Schema 2020-12 document,
closed (``additionalProperties: false`` on every object), with ``x-cloudevents-type`` (the
type its events carry; versions with the same type form a *line*) and ``x-schema-version``.

A published file never changes. Changing a model therefore means a new version:
``version = N + 1`` when the change is compatible with every earlier version of its line
(``services.integration.compatibility``), and also ``major = N + 1`` when it is not, which
starts a new line under a new type. ``carepath schemas write`` writes the files a model's
version lacks and refuses the rest; ``carepath schemas check`` (and the tests) check models
against files and every version against every earlier version of its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.integration.catalogue import INTEGRATION_EVENTS
from services.integration.compatibility import backward_problems
from services.integration.event import IntegrationEvent

SCHEMA_DIR = Path(__file__).parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_VERSION_FILE = "v{}.json"


class SchemaRefused(ValueError):
    """A model whose schema cannot be published as it stands; the message says what to do."""


def generated_schema(event: type[IntegrationEvent]) -> dict[str, Any]:
    """The JSON Schema of ``event``'s ``data`` as its current version publishes it."""
    schema = _without_titles(event.model_json_schema(mode="serialization"))
    return {"$schema": DIALECT, "title": event.name(),
            "x-cloudevents-type": event.cloudevents_type(),
            "x-schema-version": event.version, **schema}


def _without_titles(node: Any) -> Any:
    """Pydantic's generated titles ("Session Minutes") say nothing the names do not."""
    if isinstance(node, dict):
        return {key: _without_titles(value) for key, value in node.items()
                if not (key == "title" and isinstance(value, str))}
    if isinstance(node, list):
        return [_without_titles(value) for value in node]
    return node


def schema_file(name: str, version: int, directory: Path = SCHEMA_DIR) -> Path:
    return directory / name / _VERSION_FILE.format(version)


def text_of(schema: dict[str, Any]) -> str:
    """A schema file's text: two-space indented, keys in order, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def published(name: str, directory: Path = SCHEMA_DIR) -> dict[int, dict[str, Any]]:
    """Every published version of event ``name``'s schema, by version."""
    found = {}
    for path in (directory / name).glob("v*.json"):
        number = path.stem.removeprefix("v")
        if number.isdigit():
            found[int(number)] = json.loads(path.read_text(encoding="utf-8"))
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class Written:
    path: Path
    added: bool
    """False: the file was there already, the same."""


def write_schemas(events: Iterable[type[IntegrationEvent]] = INTEGRATION_EVENTS,
                  directory: Path = SCHEMA_DIR) -> list[Written]:
    """Write each model's current version where it is missing; refuse (before writing any)
    a changed published version, or a new version incompatible with its line."""
    plan = [(event, generated_schema(event)) for event in events]
    problems = [problem for event, schema in plan
                for problem in refusals(event, schema, directory)]
    if problems:
        raise SchemaRefused("\n".join(problems))
    written = []
    for event, schema in plan:
        path = schema_file(event.name(), event.version, directory)
        added = not path.exists()
        if added:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text_of(schema), encoding="utf-8")
        written.append(Written(path, added))
    return written


def refusals(event: type[IntegrationEvent], schema: dict[str, Any],
             directory: Path = SCHEMA_DIR) -> list[str]:
    """Why ``event``'s schema cannot be published as version ``event.version`` (empty: it
    can, or it already is)."""
    name, version = event.name(), event.version
    versions = published(name, directory)
    if version in versions:
        if versions[version] == schema:
            return []
        return [f"{name}: v{version} is published and the model no longer matches it; give"
                f" {name} version = {max(versions) + 1} (and major = {max(versions) + 1} if the"
                " change is incompatible)"]
    following = max(versions, default=0) + 1
    if version != following:
        return [f"{name}: the model's version {version} should be v{following}, the one after"
                " the published versions"]
    if not 1 <= event.major <= version:
        return [f"{name}: major {event.major} must be a version from 1 to {version}"]
    return [f"{name}: {problem}" for problem in line_problems({**versions, version: schema})]


def line_problems(versions: dict[int, dict[str, Any]]) -> list[str]:
    """Every later version against every earlier version of its line (the same type):
    ``"v3 is incompatible with v1: ..."`` for each problem of each pair."""
    problems: list[str] = []
    ordered = sorted(versions.items())
    for index, (later, new) in enumerate(ordered):
        for earlier, old in ordered[:index]:
            if old.get("x-cloudevents-type") != new.get("x-cloudevents-type"):
                continue
            problems.extend(f"v{later} is incompatible with v{earlier}: {problem}"
                            for problem in backward_problems(old, new))
    return problems


def check_schemas(events: Iterable[type[IntegrationEvent]] = INTEGRATION_EVENTS,
                  directory: Path = SCHEMA_DIR) -> list[str]:
    """What is wrong with the published schemas: a model without its file or unlike it, a
    version incompatible with an earlier one of its line, a file of no event."""
    problems = []
    names = set()
    for event in events:
        name = event.name()
        names.add(name)
        versions = published(name, directory)
        if event.version not in versions:
            problems.append(f"{name}: v{event.version} is not written (carepath schemas write)")
        elif versions[event.version] != generated_schema(event):
            problems.extend(refusals(event, generated_schema(event), directory))
        problems.extend(f"{name}: {problem}" for problem in line_problems(versions))
    strangers = sorted(path.name for path in directory.iterdir()
                       if path.is_dir() and path.name not in names) if directory.exists() else []
    problems.extend(f"{name}: published, but no integration event has that name"
                    for name in strangers)
    return problems
