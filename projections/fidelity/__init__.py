"""Structural fidelity: initial phase, ending, measurement cadence, deviations, renegotiations
(read from the record, not observed in the room)."""

from __future__ import annotations

from projections.fidelity.projection import FidelityProjection

__all__ = ["FidelityProjection"]
