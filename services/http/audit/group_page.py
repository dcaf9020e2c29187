"""The audit page of a group: ``/audit?group=<id>`` (or a group's id pasted as a pathway's)
shows the group's timeline (every event, both times, actor, rules; each session's attendance
with links to its members' pathways), its state after a chosen version, and its state on a
date on either axis. Rendered whole by the server; each read is in the access log under the
group's id. A member's pathway page links each group session back here (``#session-<n>``).
"""

from __future__ import annotations

from uuid import UUID

from fastapi.responses import HTMLResponse

from services.audit.formatting import when
from services.audit.groups import GroupTrail
from services.http.audit.as_of_form import AsOfAsked
from services.http.audit.rendering import render


def group_page(groups: GroupTrail, group_id: UUID, version: int | None, asked: AsOfAsked,
               *, purpose: str) -> HTMLResponse:
    history = groups.history(group_id)
    latest = history.latest_version
    selected = latest if version is None else max(1, min(version, latest))
    shown = groups.at_version(group_id, selected)
    formed = history.entries[0].data
    answer = asked.answer(groups, group_id)
    entry = history.entries[selected - 1]
    summary = (f"Version {selected} of {latest}: {entry.type}, occurred"
               f" {when(entry.occurred_at)}, recorded {when(entry.recorded_at)}, by"
               f" {entry.actor_id} ({entry.actor_role}).")
    return render("audit_group.html", 400 if answer.refused else 200, group_id=group_id,
                  entries=history.entries, latest=latest, selected=selected,
                  summary=summary, state=shown.state, formed=formed, asked=asked,
                  as_of=answer.as_of, as_of_error=answer.error, purpose=purpose)

