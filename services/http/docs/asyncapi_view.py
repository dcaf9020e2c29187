"""What the AsyncAPI page shows, read from the AsyncAPI 3 document as JSON: the servers, each
operation (the events carepath sends, the commands it receives) with its channel's address,
parameters and bindings and its messages' payloads, and every schema they refer to.

Pure: a document in, a :class:`Reference` out, no I/O. Each schema is shown once, where it is
first met (a message's payload) or in the schema list; every ``$ref`` becomes a link to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

SCHEMAS = "#/components/schemas/"
CONSTRAINTS = {  # JSON Schema keyword -> how the page says it
    "minLength": "at least {} characters", "maxLength": "at most {} characters",
    "minimum": ">= {}", "maximum": "<= {}", "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}", "multipleOf": "a multiple of {}", "pattern": "matches {}",
    "minItems": "at least {} items", "maxItems": "at most {} items",
    "uniqueItems": "items unique: {}", "format": "format {}"}
CODE = frozenset({"pattern", "format"})
_CODE = re.compile(r"``(.+?)``|`([^`]+)`")


def prose(text: str | None) -> Markup:
    """Descriptions as paragraphs, with `code` (one or two backticks) set as code."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", text or "")]
    return Markup("").join(Markup("<p>{}</p>").format(_inline_code(p)) for p in paragraphs if p)


def _inline_code(text: str) -> Markup:
    pieces, last = [], 0
    for found in _CODE.finditer(text):
        pieces.append(escape(text[last:found.start()]))
        pieces.append(Markup("<code>{}</code>").format(found.group(1) or found.group(2)))
        last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def anchor(kind: str, name: str) -> str:
    """An element id for a name that may hold dots, colons or braces."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


@dataclass(frozen=True)
class Property:
    name: str
    type: Markup
    required: bool
    description: Markup
    rules: list[Markup]


@dataclass(frozen=True)
class Schema:
    name: str
    id: str
    type: Markup
    description: Markup
    properties: list[Property]
    rules: list[Markup]


@dataclass(frozen=True)
class Message:
    title: str
    correlation: str | None
    payload: Schema | None
    """Shown here in full, or None when shown elsewhere (then ``payload_type`` links to it)."""
    payload_type: Markup


@dataclass(frozen=True)
class Operation:
    name: str
    id: str
    action: str
    address: str
    description: Markup
    parameters: list[tuple[str, Markup]]
    bindings: list[tuple[str, str, str]]
    servers: list[str]
    messages: list[Message]


@dataclass(frozen=True)
class Server:
    name: str
    host: str
    protocol: str
    protocol_version: str
    pathname: str
    description: Markup


@dataclass
class Reference:
    title: str
    version: str
    asyncapi: str
    description: Markup
    content_type: str
    servers: list[Server]
    sends: list[Operation]
    receives: list[Operation]
    schemas: list[Schema] = field(default_factory=list)


def reference(document: dict[str, Any]) -> Reference:
    """The page's content: operations in the document's order, sends before receives."""
    reader = _Reader(document)
    info = document.get("info", {})
    operations = [reader.operation(name, operation)
                  for name, operation in document.get("operations", {}).items()]
    shown = reader.shown
    rest = [reader.schema(name, schema) for name, schema
            in sorted(document.get("components", {}).get("schemas", {}).items())
            if name not in shown]
    return Reference(
        title=str(info.get("title", "AsyncAPI")), version=str(info.get("version", "")),
        asyncapi=str(document.get("asyncapi", "")), description=prose(info.get("description")),
        content_type=str(document.get("defaultContentType", "")),
        servers=[reader.server(name, server)
                 for name, server in document.get("servers", {}).items()],
        sends=[o for o in operations if o.action == "send"],
        receives=[o for o in operations if o.action != "send"], schemas=rest)


class _Reader:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.shown: set[str] = set()

    def resolve(self, node: Any) -> Any:
        """A ``$ref`` within the document followed (JSON Pointer), other nodes as they are."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def server(self, name: str, server: dict[str, Any]) -> Server:
        return Server(name=name, host=str(server.get("host", "")),
                      protocol=str(server.get("protocol", "")),
                      protocol_version=str(server.get("protocolVersion", "")),
                      pathname=str(server.get("pathname", "")),
                      description=prose(server.get("description")))

    def operation(self, name: str, operation: dict[str, Any]) -> Operation:
        channel = self.resolve(operation.get("channel", {}))
        messages = operation.get("messages") or list(channel.get("messages", {}).values())
        parameters = [(key, prose(self.resolve(value).get("description")))
                      for key, value in channel.get("parameters", {}).items()]
        bindings = [(protocol, key, _text(value))
                    for protocol, binding in channel.get("bindings", {}).items()
                    for key, value in binding.items() if key != "bindingVersion"]
        servers = [str(server.get("$ref", "")).rsplit("/", 1)[-1]
                   for server in channel.get("servers", [])]
        return Operation(
            name=name, id=anchor("operation", name), action=str(operation.get("action", "")),
            address=str(channel.get("address", name)),
            description=prose(operation.get("description") or channel.get("description")),
            parameters=parameters, bindings=bindings, servers=servers,
            messages=[self.message(self.resolve(message)) for message in messages])

    def message(self, message: dict[str, Any]) -> Message:
        payload = message.get("payload", {})
        name = _schema_name(payload)
        shown_here = None
        if name is not None and name not in self.shown:
            self.shown.add(name)
            shown_here = self.schema(name, self.resolve(payload))
        location = message.get("correlationId", {}).get("location")
        return Message(title=str(message.get("title") or message.get("name") or ""),
                       correlation=None if location is None else str(location),
                       payload=shown_here, payload_type=type_of(payload))

    def schema(self, name: str, schema: dict[str, Any]) -> Schema:
        required = set(schema.get("required", []))
        properties = [Property(name=key, type=type_of(value), required=key in required,
                               description=prose(value.get("description")),
                               rules=rules_of(value))
                      for key, value in schema.get("properties", {}).items()]
        return Schema(name=name, id=anchor("schema", name), type=type_of(schema, top=True),
                      description=prose(schema.get("description")), properties=properties,
                      rules=rules_of(schema))


def _schema_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMAS):
        return ref.removeprefix(SCHEMAS)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _code(value: Any) -> Markup:
    return Markup("<code>{}</code>").format(json.dumps(value))


def type_of(schema: Any, *, top: bool = False) -> Markup:
    """A schema's type in words: links for references, ``a or b`` for unions, enums listed."""
    if not isinstance(schema, dict):
        return Markup("any")
    name = _schema_name(schema)
    if name is not None and not top:
        return Markup('<a href="#{}">{}</a>').format(anchor("schema", name), name)
    return _combined(schema) or _literal(schema) or _kind(schema)


def _combined(schema: dict[str, Any]) -> Markup | None:
    for key, joiner in (("anyOf", Markup(" or ")), ("oneOf", Markup(" or ")),
                        ("allOf", Markup(" and "))):
        if key in schema:
            return joiner.join(type_of(part) for part in schema[key])
    return None


def _literal(schema: dict[str, Any]) -> Markup | None:
    if "const" in schema:
        return _code(schema["const"])
    if "enum" in schema:
        return Markup("one of ") + Markup(", ").join(_code(v) for v in schema["enum"])
    return None


def _kind(schema: dict[str, Any]) -> Markup:
    kind = schema.get("type")
    if kind == "array":
        return Markup("array of ") + type_of(schema.get("items"))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("object of ") + type_of(schema["additionalProperties"])
    if isinstance(kind, list):
        return Markup(" or ").join(escape(str(k)) for k in kind)
    return escape(str(kind)) if kind else Markup("any")


def rules_of(schema: Any) -> list[Markup]:
    """Constraints and the default, of the schema and of its inline union members."""
    if not isinstance(schema, dict):
        return []
    found = [escape(said).format(_shown(key, schema[key])) for key, said in CONSTRAINTS.items()
             if key in schema]
    for choice in schema.get("anyOf", []) + schema.get("oneOf", []):
        if isinstance(choice, dict) and "$ref" not in choice:
            found.extend(rules_of(choice))
    if "items" in schema and isinstance(schema["items"], dict) and "$ref" not in schema["items"]:
        found.extend(Markup("each: ") + rule for rule in rules_of(schema["items"]))
    if "default" in schema:
        found.append(Markup("default ") + _code(schema["default"]))
    return found


def _shown(key: str, value: Any) -> Markup:
    """A pattern or a format as code, a number as it is."""
    text = _text(value)
    return Markup("<code>{}</code>").format(text) if key in CODE else escape(text)
