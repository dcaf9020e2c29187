"""The HTTP edge: JSON commands and queries over the ``Pathways`` application."""

from services.http.app import create_app

__all__ = ["create_app"]
