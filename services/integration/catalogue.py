"""Every integration event, and which one publishes a stored event.

Every catalogue event of every aggregate is published: the pathway's (``pathway.py``) and the
group's (``group.py``). To publish a new aggregate's events: write its module beside them (one
``IntegrationEvent`` subclass per catalogue event, ``aggregate = "<name>"``), add its tuple to
``INTEGRATION_EVENTS``, and run ``carepath schemas write`` to add their v1 schemas.
"""

from __future__ import annotations

from typing import Any

from services.integration.event import IntegrationEvent
from services.integration.group import GROUP_EVENTS
from services.integration.pathway import PATHWAY_EVENTS

INTEGRATION_EVENTS: tuple[type[IntegrationEvent], ...] = (*PATHWAY_EVENTS, *GROUP_EVENTS)

_BY_SOURCE: dict[type[Any], type[IntegrationEvent]] = {
    cls.publishes: cls for cls in INTEGRATION_EVENTS}
_BY_TYPE: dict[str, type[IntegrationEvent]] = {
    cls.cloudevents_type(): cls for cls in INTEGRATION_EVENTS}
_BY_NAME: dict[str, type[IntegrationEvent]] = {cls.name(): cls for cls in INTEGRATION_EVENTS}


class NotPublished(LookupError):
    """A stored event of a class no integration event publishes."""


def integration_event_for(event_class: type[Any]) -> type[IntegrationEvent]:
    """The integration event that publishes stored events of ``event_class``."""
    try:
        return _BY_SOURCE[event_class]
    except KeyError:
        msg = f"no integration event publishes {event_class.__name__}"
        raise NotPublished(msg) from None


def by_type(cloudevents_type: str) -> type[IntegrationEvent] | None:
    """The integration event of a CloudEvents ``type`` (None: not one of ours)."""
    return _BY_TYPE.get(cloudevents_type)


def by_name(name: str) -> type[IntegrationEvent] | None:
    """The integration event of an event name (``SessionHeld``), None if there is none."""
    return _BY_NAME.get(name)


def event_types() -> list[str]:
    """Every CloudEvents ``type`` we publish, in catalogue order."""
    return list(_BY_TYPE)
