"""The dashboard's panels in page order, one module each, each reading one read model."""

from __future__ import annotations

from services.http.dashboard.panels import caseload, funnel
from services.http.dashboard.shapes import PanelSpec

PANELS: tuple[PanelSpec, ...] = (funnel.PANEL, caseload.PANEL)
BY_ID: dict[str, PanelSpec] = {panel.id: panel for panel in PANELS}
