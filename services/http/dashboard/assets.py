"""The dashboard's own script and style sheet, and plotly.js from the installed plotly package.

Everything is served by the service itself: clinics run it on private networks, so the page
loads nothing from elsewhere (its Content-Security-Policy says so too).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from services.http.dashboard.urls import PREFIX

router = APIRouter(prefix=PREFIX)
STATIC = Path(__file__).parent / "static"
OWN_ASSETS = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}
PLOTLY = "plotly.min.js"
CHART_CACHE = "public, max-age=86400"  # the address carries plotly's version


@cache
def plotly_path() -> Path:
    """plotly.min.js inside the installed plotly package (found without importing plotly)."""
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        msg = "the plotly package is not installed: pip install carepath's dependencies"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / PLOTLY


@cache
def plotly_version() -> str:
    return version("plotly")


def asset_url(name: str) -> str:
    """The address of an asset; plotly's carries its version, so browsers may keep it a day."""
    if name == PLOTLY:
        return f"{PREFIX}/static/{PLOTLY}?v={plotly_version()}"
    return f"{PREFIX}/static/{name}"


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name == PLOTLY:
        return FileResponse(plotly_path(), media_type="text/javascript",
                            headers={"Cache-Control": CHART_CACHE})
    media_type = OWN_ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, f"The dashboard has no asset {name[:40]!r}.")
    # Revalidated each time (ETag), so a new release's script is never stale.
    return FileResponse(STATIC / name, media_type=media_type,
                        headers={"Cache-Control": "no-cache"})
