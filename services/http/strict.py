"""Refuse what pydantic's lax mode would silently convert: a clinical record holds what was sent.

Lax validation turns ``true`` into an item score of 1, ``"3"`` into 3 and ``0`` into
1970-01-01. The command classes are shared with the broker edge, so instead of making them
strict here, the HTTP edge compares the JSON it received with the validated command, field by
field, and answers 422 for each JSON type that does not match. It also refuses strings that no
store can hold: NUL (PostgreSQL text) and unpaired surrogates (not encodable as UTF-8).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

Mismatch = tuple[tuple[str | int, ...], str]


def mismatches(raw: Any, value: Any, loc: tuple[str | int, ...] = ("body",)) -> list[Mismatch]:
    """Where ``raw`` (decoded JSON) has a different JSON type than the validated ``value``."""
    if isinstance(value, BaseModel) and isinstance(raw, dict):
        return [found for name in type(value).model_fields if name in raw
                for found in mismatches(raw[name], getattr(value, name), (*loc, name))]
    if isinstance(value, tuple | list) and isinstance(raw, list):
        return [found for index, (item_raw, item) in enumerate(zip(raw, value, strict=False))
                for found in mismatches(item_raw, item, (*loc, index))]
    reason = _reason(raw, value)
    return [(loc, reason)] if reason else []


def _reason(raw: Any, value: Any) -> str | None:
    if isinstance(value, bool):
        return None if isinstance(raw, bool) else "Input should be true or false"
    if isinstance(value, int | float):
        ok = isinstance(raw, int | float) and not isinstance(raw, bool)
        return None if ok else "Input should be a number"
    if isinstance(value, date):  # datetime included
        return None if isinstance(raw, str) else "Input should be an ISO 8601 string"
    if isinstance(value, str) and not _storable(value):
        return "Input should not contain NUL or unpaired surrogate characters"
    return None


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


async def refuse_coercions(request: Request, command: BaseModel) -> None:
    """Raise the same 422 as any validation error if the body relied on a lax conversion."""
    found = mismatches(await request.json(), command)
    if found:
        raise RequestValidationError([
            {"type": "strict_json_type", "loc": loc, "msg": reason, "input": None}
            for loc, reason in found
        ])
