"""What the AsyncAPI page shows of a document: operations split by what carepath does (sends
events, receives commands), each channel's parameters and bindings, each schema once where it
is first met with every reference a link to it, types and constraints in words, and the
document's text escaped, never taken as HTML."""

from __future__ import annotations

from typing import Any

from services.http.docs.asyncapi_view import prose, reference, rules_of, type_of

ENVELOPE = {"$ref": "#/components/schemas/FlagEnvelope"}
DOCUMENT: dict[str, Any] = {
    "asyncapi": "3.0.0",
    "info": {"title": "t", "version": "1", "description": "Subjects `a.b`.\n\nSecond <b>."},
    "servers": {"development": {"host": "127.0.0.1:4222", "protocol": "nats"}},
    "channels": {
        "flag": {"address": "e.{aggregate_id}.Flag", "description": "A flag was raised.",
                 "servers": [{"$ref": "#/servers/development"}],
                 "parameters": {"aggregate_id": {"description": "The pathway's id."}},
                 "messages": {"Message": {"$ref": "#/components/messages/flag"}},
                 "bindings": {"nats": {"subject": "e.{aggregate_id}.Flag",
                                       "bindingVersion": "custom"}}},
        "again": {"address": "e.again", "messages": {
            "Message": {"$ref": "#/components/messages/again"}}},
        "hold": {"address": "c.hold", "messages": {
            "Sub": {"$ref": "#/components/messages/hold"}},
            "bindings": {"nats": {"queue": "workers"}}},
    },
    "operations": {
        "hold": {"action": "receive", "channel": {"$ref": "#/channels/hold"},
                 "messages": [{"$ref": "#/channels/hold/messages/Sub"}]},
        "flag": {"action": "send", "channel": {"$ref": "#/channels/flag"}},
        "again": {"action": "send", "channel": {"$ref": "#/channels/again"}},
    },
    "components": {
        "messages": {
            "flag": {"title": "flag:Message", "payload": ENVELOPE,
                     "correlationId": {"location": "$message.header#/correlation_id"}},
            "again": {"title": "again:Message", "payload": ENVELOPE},
            "hold": {"title": "hold:Sub", "payload": {"$ref": "#/components/schemas/HoldReq"}},
        },
        "schemas": {
            "FlagEnvelope": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "description": "Dedupe on it."},
                "data": {"$ref": "#/components/schemas/Flag"}}},
            "Flag": {"type": "object", "properties": {"tier": {"enum": ["low", "high"]}}},
            "HoldReq": {"type": "object", "properties": {"key": {
                "anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}],
                "default": None}}},
        },
    },
}


def test_events_are_what_carepath_sends_and_commands_what_it_receives() -> None:
    page = reference(DOCUMENT)

    assert [o.address for o in page.sends] == ["e.{aggregate_id}.Flag", "e.again"]
    assert [o.address for o in page.receives] == ["c.hold"]
    flag = page.sends[0]
    assert flag.servers == ["development"]
    assert [(name, str(text)) for name, text in flag.parameters] == [
        ("aggregate_id", "<p>The pathway&#39;s id.</p>")]
    assert flag.bindings == [("nats", "subject", "e.{aggregate_id}.Flag")]
    assert page.receives[0].bindings == [("nats", "queue", "workers")]
    assert flag.messages[0].correlation == "$message.header#/correlation_id"
    assert [s.name for s in page.servers] == ["development"]


def test_a_payload_is_shown_in_full_once_and_linked_to_after() -> None:
    page = reference(DOCUMENT)

    first, second = page.sends[0].messages[0], page.sends[1].messages[0]
    assert first.payload is not None
    assert first.payload.id == "schema-FlagEnvelope"
    assert [(p.name, p.required) for p in first.payload.properties] == [
        ("id", True), ("data", False)]
    assert str(first.payload.properties[1].type) == '<a href="#schema-Flag">Flag</a>'
    assert second.payload is None
    assert str(second.payload_type) == '<a href="#schema-FlagEnvelope">FlagEnvelope</a>'
    assert [s.name for s in page.schemas] == ["Flag"]  # the schemas no payload showed


def test_types_and_constraints_read_as_words() -> None:
    key = DOCUMENT["components"]["schemas"]["HoldReq"]["properties"]["key"]

    assert str(type_of(key)) == "string or null"
    assert [str(rule) for rule in rules_of(key)] == [
        "at most 200 characters", "default <code>null</code>"]
    assert str(type_of({"type": "array", "items": {"enum": ["a"]}})) == (
        "array of one of <code>&#34;a&#34;</code>")
    assert str(type_of({"type": "object", "additionalProperties": {"type": "integer"}})) == (
        "object of integer")
    assert str(type_of({"const": 3})) == "<code>3</code>"
    assert str(type_of({})) == "any"
    assert [str(r) for r in rules_of({"type": "string", "pattern": "^a<b$"})] == [
        "matches <code>^a&lt;b$</code>"]


def test_the_documents_text_is_escaped_with_code_kept() -> None:
    page = reference(DOCUMENT)

    assert str(page.description) == (
        "<p>Subjects <code>a.b</code>.</p><p>Second &lt;b&gt;.</p>")
    assert str(prose("Use ``x<y`` <script>")) == (
        "<p>Use <code>x&lt;y</code> &lt;script&gt;</p>")
