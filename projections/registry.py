"""Every read model the service keeps, in the order a rebuild of all of them runs."""

from __future__ import annotations

from projections.attendance import AttendanceProjection
from projections.caseload import CaseloadProjection
from projections.fidelity import FidelityProjection
from projections.funnel import FunnelProjection
from projections.groups import GroupsProjection
from projections.maintenance import MaintenanceProjection
from projections.outcomes import OutcomesProjection
from projections.pathways import PathwaysProjection
from projections.projection import Projection
from projections.safety import SafetyProjection


def all_projections() -> tuple[Projection, ...]:
    """Fresh instances of every projection (each read model's folder adds itself here)."""
    return (
        PathwaysProjection(),
        CaseloadProjection(),
        FunnelProjection(),
        AttendanceProjection(),
        OutcomesProjection(),
        SafetyProjection(),
        FidelityProjection(),
        MaintenanceProjection(),
        GroupsProjection(),
    )
