"""The documents' files, served by the service itself under ``/docs/static/``: Swagger UI's
script and style sheet from the installed fastapi-offline package, and our own.

Clinics run carepath on private networks without internet, so no page of the service loads
anything from elsewhere (FastAPI's own ``/docs`` and ``/redoc`` fetch theirs from a CDN).
ReDoc is not served: its bundle fetches its maker's logo from the internet whatever its
options, and gives its content-type selects no accessible name.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

PREFIX = "/docs/static"
router = APIRouter(prefix=PREFIX)
OWN = Path(__file__).parent / "static"
OWN_ASSETS = {"docs.css": "text/css", "swagger-init.js": "text/javascript"}
VENDORED = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
            "favicon.png": "image/png"}
VENDOR_PACKAGE = "fastapi_offline"
VENDOR_CACHE = "public, max-age=86400"  # the address carries the package's version


@cache
def vendored_dir() -> Path:
    """The ``static`` folder of the installed fastapi-offline (found without importing it)."""
    spec = find_spec(VENDOR_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        msg = "the fastapi-offline package is not installed: pip install carepath's dependencies"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@cache
def vendored_version() -> str:
    return version("fastapi-offline")


def asset_url(name: str) -> str:
    """The address of a file; a vendored one carries its package's version, so browsers may
    keep it a day and a new release is fetched anew."""
    if name in VENDORED:
        return f"{PREFIX}/{name}?v={vendored_version()}"
    return f"{PREFIX}/{name}"


@router.get("/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name in VENDORED:
        return FileResponse(vendored_dir() / name, media_type=VENDORED[name],
                            headers={"Cache-Control": VENDOR_CACHE})
    media_type = OWN_ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, f"The documents have no file {name[:40]!r}.")
    # Revalidated each time (ETag), so a new release's file is never stale.
    return FileResponse(OWN / name, media_type=media_type, headers={"Cache-Control": "no-cache"})
