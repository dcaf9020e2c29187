"""``caseload``: active pathways per therapist by phase and protocol, with overdue items."""

from projections.caseload.projection import CaseloadProjection
from projections.caseload.view import CaseloadCell, OverdueItem, caseload, overdue

__all__ = ["CaseloadCell", "CaseloadProjection", "OverdueItem", "caseload", "overdue"]
