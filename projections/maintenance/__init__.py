"""Maintenance: ipt-m contracts, sessions due, suspected recurrences."""

from __future__ import annotations

from projections.maintenance.projection import MaintenanceProjection

__all__ = ["MaintenanceProjection"]
