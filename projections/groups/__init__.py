"""``groups``: one row per group (leaders, status, members, sessions), who attended each session,
and each member's pathway as the ``pathways`` read model shows it."""

from projections.groups.projection import GroupsProjection
from projections.groups.view import GroupPage, GroupRow, group_row, list_groups

__all__ = ["GroupPage", "GroupRow", "GroupsProjection", "group_row", "list_groups"]
