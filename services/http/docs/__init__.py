"""The API's documents as pages, served wholly by the service: Swagger UI at ``/docs``, the
AsyncAPI page at ``/asyncapi``, their files under ``/docs/static/``."""

from __future__ import annotations

from fastapi import FastAPI

from services.http.docs import assets, pages


def install(app: FastAPI) -> None:
    """The pages and their files (the app is built with FastAPI's own pages turned off)."""
    app.include_router(assets.router)
    app.include_router(pages.router)
