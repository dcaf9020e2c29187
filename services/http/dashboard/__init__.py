"""The clinic dashboard: pages, panel JSON, live updates and assets, under ``/ops/dashboard``.

``pages`` renders the page and the rules; ``data`` answers each panel's numbers from its read
model (``panels/``); ``live`` streams the read models' positions (Server-Sent Events) so an
open page refreshes without a reload; ``assets`` serves the script, the style sheet and
plotly.js from the installed package, so nothing is loaded from elsewhere.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.http.dashboard import assets, data, live, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(live.router)
router.include_router(assets.router)
router.include_router(data.router)
