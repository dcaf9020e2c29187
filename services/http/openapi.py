"""The published OpenAPI document, as strict as the service and true to what it sends.

FastAPI documents an error model under ``application/json`` and a 422 of its own shape; this
API answers every refusal as ``application/problem+json`` with the ``Problem`` shape, so the
document is corrected here, in one place: every 4xx/5xx response carries the problem schema
under its real media type. It also adds the links a client (or a fuzzer) follows from a newly
opened pathway to every route that takes its id.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.http.problems import PROBLEM_JSON

PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {"description": "Seconds to wait before trying again.",
               "schema": {"type": "integer", "minimum": 1}}
CORRELATION = {"description": "The request's correlation id (the caller's, or generated).",
               "schema": {"type": "string"}}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
_PROBLEM_SHAPES = (PROBLEM_SCHEMA, {"$ref": "#/components/schemas/HTTPValidationError"})
"""Our problem model, and FastAPI's own 422 model (which this API never sends)."""


def document(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI derives from the routes, with problem answers and links fixed."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        operations = [operation for path in schema["paths"].values()
                      for operation in path.values()]
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
