"""``funnel``: how many pathways reached each phase; dropout by the phase it left from."""

from projections.funnel.projection import FunnelProjection
from projections.funnel.view import Funnel, funnel

__all__ = ["Funnel", "FunnelProjection", "funnel"]
