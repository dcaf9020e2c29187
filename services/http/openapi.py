"""The published OpenAPI document, as strict as the service and true to what it sends.

FastAPI documents an error model under ``application/json`` and a 422 of its own shape; this
API answers every refusal as ``application/problem+json`` with the ``Problem`` shape, so the
document is corrected here, in one place: every 4xx/5xx response carries the problem schema
under its real media type. It also adds the links a client (or a fuzzer) follows from a newly
opened pathway to every route that takes its id, and says which operations need a bearer
token (every one but the public ones of the access route table), answering 401 and 403.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.access.policy import ANONYMOUS
from services.http.auth.table import action_for
from services.http.problems import PROBLEM_JSON

PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {"description": "Seconds to wait before trying again.",
               "schema": {"type": "integer", "minimum": 1}}
CORRELATION = {"description": "The request's correlation id (the caller's, or generated).",
               "schema": {"type": "string"}}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
_PROBLEM_SHAPES = (PROBLEM_SCHEMA, {"$ref": "#/components/schemas/HTTPValidationError"})
"""Our problem model, and FastAPI's own 422 model (which this API never sends)."""
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": (
    "A signed JWT from the configured issuer, for the configured audience: `sub` (who acts),"
    " `role` (therapist, supervisor, ops, auditor, platform, admin), `exp`, and for a"
    " supervisor `therapists` (whom they supervise). `carepath issue-token` makes one for"
    " development.")}
UNAUTHENTICATED = {
    "description": "No usable bearer token: missing, malformed, expired, not yet valid, a bad"
                   " signature, another issuer or audience (`type` says which).",
    "headers": {"WWW-Authenticate": {"description": "`Bearer realm=\"carepath\"`, with"
                                     " `error=\"invalid_token\"` for a token refused.",
                                     "required": True, "schema": {"type": "string"}}},
    "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
FORBIDDEN = {
    "description": "The token's role may not do this (`forbidden`), or the pathway is outside"
                   " the caller's caseload (`outside-caseload`).",
    "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


def document(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI derives from the routes, with problem answers and links fixed."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        operations = [operation for path in schema["paths"].values()
                      for operation in path.values()]
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                _secured(operation, method.upper(), path)
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": BEARER}
        for operation in operations:
            _problems_as_problem_json(operation)
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _never_null(parameter["schema"])
        _link_from_opening(schema["paths"])
        components = schema.get("components", {}).get("schemas", {})
        for name in _FASTAPI_ONLY:
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _secured(operation: dict[str, Any], method: str, path: str) -> None:
    """A bearer token on every operation the access route table does not make public."""
    if action_for(method, path) in ANONYMOUS:
        operation["security"] = []
        return
    operation["security"] = [{"bearer": []}]
    operation["responses"]["401"] = UNAUTHENTICATED
    operation["responses"]["403"] = FORBIDDEN


def _problems_as_problem_json(operation: dict[str, Any]) -> None:
    for status, response in operation["responses"].items():
        headers = response.setdefault("headers", {})
        headers["X-Correlation-Id"] = CORRELATION
        json_schema = response.get("content", {}).get("application/json", {}).get("schema")
        if json_schema in _PROBLEM_SHAPES:
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
            if status == "503":
                headers["Retry-After"] = {**RETRY_AFTER, "required": True}


def _never_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional header or query parameter is absent or a string, never JSON ``null``."""
    choices = [choice for choice in schema.get("anyOf", []) if choice != {"type": "null"}]
    if len(choices) != 1 or len(schema["anyOf"]) != 2:  # noqa: PLR2004 (one type, or null)
        return schema
    outer = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**choices[0], **outer}


def _link_from_opening(paths: dict[str, Any]) -> None:
    """From ``POST /pathways`` (its ``pathway_id``) to each operation on that pathway."""
    on_a_pathway = [operation for path, methods in paths.items()
                    if path.startswith("/pathways/{pathway_id}") for operation in methods.values()]
    links = {
        operation["operationId"]: {
            "operationId": operation["operationId"],
            "parameters": {"pathway_id": "$response.body#/pathway_id"},
        }
        for operation in on_a_pathway
    }
    for status in ("200", "201"):
        paths["/pathways"]["post"]["responses"][status]["links"] = links


class DocumentedAPI(FastAPI):
    """A FastAPI application that publishes :func:`document`."""

    def openapi(self) -> dict[str, Any]:
        return document(self)
