"""The dashboard's panels in page order, one module each, each reading one read model.

Safety comes first: it is the panel a manager acts on today. Outcomes, trajectories and
fidelity, whose tables are wide, come last and take a whole row each, then group IPT's
groups (a whole row too).
"""

from __future__ import annotations

from services.http.dashboard.panels import (
    attendance,
    caseload,
    fidelity,
    funnel,
    groups,
    maintenance,
    outcomes,
    safety,
    trajectories,
)
from services.http.dashboard.shapes import PanelSpec

PANELS: tuple[PanelSpec, ...] = (
    safety.PANEL, caseload.PANEL, funnel.PANEL, attendance.PANEL, maintenance.PANEL,
    outcomes.PANEL, trajectories.PANEL, fidelity.PANEL, groups.PANEL,
)
BY_ID: dict[str, PanelSpec] = {panel.id: panel for panel in PANELS}
