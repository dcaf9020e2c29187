"""``pathways``: one row per pathway (phase, protocol, therapist, counts, flags, last activity)."""

from projections.pathways.projection import PathwaysProjection
from projections.pathways.view import PathwayPage, PathwayRow, list_pathways, pathway_row

__all__ = ["PathwayPage", "PathwayRow", "PathwaysProjection", "list_pathways", "pathway_row"]
