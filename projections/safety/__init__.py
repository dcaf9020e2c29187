"""Safety: open flags by tier and age, time to acknowledge and to assess."""

from __future__ import annotations

from projections.safety.projection import SafetyProjection

__all__ = ["SafetyProjection"]
