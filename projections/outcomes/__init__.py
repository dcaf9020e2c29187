"""Outcomes: measure trajectories, response and remission, reliable improvement, not on track."""

from __future__ import annotations

from projections.outcomes.projection import OutcomesProjection

__all__ = ["OutcomesProjection"]
