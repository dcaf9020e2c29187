"""Every read model the service keeps, in the order a rebuild of all of them runs."""

from __future__ import annotations

from projections.caseload import CaseloadProjection
from projections.outcomes import OutcomesProjection
from projections.funnel import FunnelProjection
from projections.pathways import PathwaysProjection
from projections.projection import Projection


def all_projections() -> tuple[Projection, ...]:
    """Fresh instances of every projection (each read model's folder adds itself here)."""
    return (
        PathwaysProjection(),
        CaseloadProjection(),
        FunnelProjection(),
        OutcomesProjection(),
    )
