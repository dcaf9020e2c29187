"""The JSON edge of the command routes: what a body must be before any field is looked at.

The framework would parse any content type it guesses is JSON, decode UTF-16 as readily as
UTF-8, and keep the last of two members with the same name. A clinical command must mean one
thing, so the command routes parse the body themselves: a body must be declared as JSON (415
otherwise), be UTF-8 (RFC 8259), be well-formed, and name each member once at every depth.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from email.message import Message
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.http.auth.guard import guard
from services.http.problems import BadRequestField, field_path

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class _Repeated(dict[str, Any]):
    """An object in which ``name`` appeared more than once."""

    name = ""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) == len(pairs):
        return members
    repeated = _Repeated(members)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            repeated.name = key
            break
        seen.add(key)
    return repeated


def _repeated_path(value: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """Where the first repeated member is, in document order."""
    if isinstance(value, _Repeated):
        return (*loc, value.name)
    children = (value.items() if isinstance(value, dict)
                else enumerate(value) if isinstance(value, list) else ())
    for key, child in children:
        found = _repeated_path(child, (*loc, key))
        if found is not None:
            return found
    return None


@lru_cache(maxsize=64)  # a handful of spellings arrive; parsing one costs more than the rest
def is_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


def parse(body: bytes) -> Any:
    """The JSON value of a body, or a 400 naming where it goes wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequestField("body", f"is not UTF-8 (byte {error.start} is"
                                      f" {body[error.start]:#04x})", slug="not-utf8") from None
    try:
        value = json.loads(text, object_pairs_hook=_members)
    except json.JSONDecodeError as error:
        raise BadRequestField("body", f"{error.msg} (line {error.lineno}, column"
                                      f" {error.colno})", slug="malformed-json") from None
    except (RecursionError, ValueError):  # nesting too deep, or an integer of 4,300+ digits
        raise BadRequestField("body", "is nested too deeply or holds a number too long",
                              slug="malformed-json") from None
    repeated = _repeated_path(value, ("body",))
    if repeated is not None:
        raise BadRequestField(field_path(repeated), "appears more than once in its object",
                              slug="duplicate-key")
    return value


def require_json(content_type: str) -> None:
    """A 415 unless a (non-empty) body is declared as JSON."""
    if not is_json(content_type):
        raise BadRequestField("header.Content-Type", "must be application/json",
                              status=415, slug="unsupported-media-type")


class StrictJsonRequest(Request):
    """A request whose ``json()`` is :func:`parse`: the framework and the handler share it."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route that refuses a body that is not declared JSON (415) or is not one JSON value,
    after the guard: a request without a usable token is refused before its body is read."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            await guard(request)
            strict = StrictJsonRequest(request.scope, request.receive)
            if await strict.body():
                require_json(strict.headers.get("content-type", ""))
                await strict.json()
            return await handler(strict)

        return strict_handler
