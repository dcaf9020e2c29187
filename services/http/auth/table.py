"""The route table of the policy: every endpoint, by method and path, and its action.

Every route the application serves must be listed here: the guard refuses a route it cannot
find to everyone (403 ``no-policy``), and ``tests/http/test_access_matrix.py`` walks the
application's own route table, so a route added without an entry fails it. What each action
allows which role is the policy table itself, ``services.access.policy.POLICY``.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from services.access.policy import Action

A = Action
_LISTED: Final[dict[tuple[str, str], Action]] = {
    # the API documents (OpenAPI, AsyncAPI, the events' JSON Schemas), health, assets, the
    # log's public key, the login page: no token
    ("GET", "/openapi.json"): A.PUBLIC,
    ("GET", "/docs"): A.PUBLIC,
    ("GET", "/docs/static/{name}"): A.PUBLIC,
    ("GET", "/asyncapi"): A.PUBLIC,
    ("GET", "/asyncapi.json"): A.PUBLIC,
    ("GET", "/asyncapi.yaml"): A.PUBLIC,
    ("GET", "/schemas/events"): A.PUBLIC,
    ("GET", "/schemas/events/{name}/v{version}.json"): A.PUBLIC,
    ("GET", "/health"): A.PUBLIC,
    ("GET", "/health/ready"): A.PUBLIC,
    ("GET", "/ops/dashboard/static/{name}"): A.PUBLIC,
    ("GET", "/audit/static/{name}"): A.PUBLIC,
    ("GET", "/integrity/key"): A.PUBLIC,
    ("GET", "/login"): A.PUBLIC,
    ("POST", "/login"): A.PUBLIC,
    ("POST", "/logout"): A.PUBLIC,
    ("GET", "/protocols"): A.PROTOCOLS,
    # commands
    ("POST", "/pathways"): A.COMMAND,
    # ... and ("POST", "/pathways/{pathway_id}/<command>") for each command route (below)
    # queries (GET /pathways/{id}?version=n is an as-of: the route asks for that too)
    ("GET", "/pathways"): A.LIST_PATHWAYS,
    ("GET", "/pathways/{pathway_id}"): A.READ_STATE,
    ("GET", "/pathways/{pathway_id}/history"): A.READ_HISTORY,
    # groups: commands, and reads of a group (its leaders are the caseload it belongs to)
    ("POST", "/groups"): A.COMMAND,
    ("GET", "/groups"): A.LIST_GROUPS,
    # ... and ("POST", "/groups/{group_id}/<command>") for each group command route (below)
    ("GET", "/groups/{group_id}"): A.READ_STATE,
    ("GET", "/groups/{group_id}/history"): A.READ_HISTORY,
    # audit
    ("GET", "/audit"): A.AUDIT_PAGE,
    ("GET", "/audit/pathways/{pathway_id}/history"): A.READ_HISTORY,
    ("GET", "/audit/pathways/{pathway_id}/as-of"): A.READ_AS_OF,
    ("GET", "/audit/pathways/{pathway_id}/steps"): A.READ_HISTORY,
    ("GET", "/audit/pathways/{pathway_id}/export"): A.EXPORT,
    ("GET", "/audit/exports"): A.EXPORT_PERIOD,
    ("GET", "/audit/groups/{group_id}/history"): A.READ_HISTORY,
    ("GET", "/audit/groups/{group_id}/as-of"): A.READ_AS_OF,
    # tamper evidence
    ("GET", "/integrity/verify"): A.VERIFY,
    ("GET", "/integrity/checkpoint"): A.VERIFY,
    ("GET", "/integrity/consistency"): A.VERIFY,
    ("GET", "/integrity/pathways/{pathway_id}/evidence"): A.EVIDENCE,
    ("GET", "/integrity/groups/{group_id}/evidence"): A.EVIDENCE,
    # the access log
    ("GET", "/access-log"): A.ACCESS_LOG,
    ("GET", "/access-log/report"): A.ACCESS_LOG,
    ("GET", "/access-log/verify"): A.ACCESS_LOG,
    # the dashboard, ops, metrics
    ("GET", "/ops/dashboard"): A.DASHBOARD,
    ("GET", "/ops/dashboard/rules"): A.DASHBOARD,
    ("GET", "/ops/dashboard/events"): A.DASHBOARD,
    # ... and ("GET", "/ops/dashboard/<panel>") for each panel (below)
    ("GET", "/ops/projections"): A.OPS_STATUS,
    ("GET", "/ops/relay"): A.OPS_STATUS,
    # the integration event feed
    ("GET", "/events"): A.EVENT_FEED,
    ("GET", "/events/stream"): A.EVENT_FEED,
    ("GET", "/metrics"): A.METRICS,
}

PAGES: Final[frozenset[str]] = frozenset({"/ops/dashboard", "/ops/dashboard/rules", "/audit"})
"""Pages a browser opens: without a usable token they send the reader to the login page."""


@cache
def route_actions() -> dict[tuple[str, str], Action]:
    """The whole table: the routes listed above, every command route and every panel."""
    from services.commands import GROUP_ROUTES, ROUTES  # noqa: PLC0415
    from services.http.dashboard.panels import PANELS  # noqa: PLC0415

    return {**_LISTED,
            **{("POST", f"/pathways/{{pathway_id}}/{route.path}"): A.COMMAND
               for route in ROUTES},
            **{("POST", f"/groups/{{group_id}}/{route.path}"): A.COMMAND
               for route in GROUP_ROUTES},
            **{("GET", f"/ops/dashboard/{spec.id}"): A.DASHBOARD for spec in PANELS}}


def action_for(method: str, path_format: str) -> Action | None:
    """The action of one route (HEAD is GET's), or None when the table lacks it."""
    return route_actions().get(("GET" if method == "HEAD" else method, path_format))
