"""Where events and commands go on the broker, named for the product (the prefix, by default
``carepath``; tests and second deployments on one broker choose their own).

One subject per stored event, the same string on every broker::

    <prefix>.events.<aggregate>.<aggregate id>.<Name>.v<major>
    carepath.events.pathway.3f2b0c1e-....SafetyFlagRaised.v1

so a consumer filters by event type (``carepath.events.pathway.*.SafetyFlagRaised.*``), by
pathway (``carepath.events.pathway.<id>.>``) or takes everything (``carepath.events.>``); a
group's events (another aggregate in the same log) are ``carepath.events.group.<id>.<Name>.v1``.
NATS keeps them in one JetStream stream (``CAREPATH_EVENTS``), RabbitMQ routes them through one
topic exchange (``carepath.events``, the subject as routing key: bind with ``*`` and ``#``),
Redis appends them to one stream (``carepath.events``, entry id = log position).

Commands: ``<prefix>.commands.<command>`` (``carepath.commands.hold_session``).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.commands import CommandRoute


@dataclass(frozen=True)
class Names:
    prefix: str = "carepath"

    @property
    def events(self) -> str:
        """The root of every event subject, and RabbitMQ's exchange / Redis' stream key."""
        return f"{self.prefix}.events"

    @property
    def all_events(self) -> str:
        """The NATS wildcard of every event subject."""
        return f"{self.events}.>"

    @property
    def stream(self) -> str:
        """The JetStream stream that stores every event (``CAREPATH_EVENTS``)."""
        return f"{self.prefix.upper().replace('-', '_')}_EVENTS"

    def event_subject(self, event_type: str, aggregate_id: str) -> str:
        """The subject of an event of CloudEvents ``type`` ``org.carepath.<agg>.<Name>.v<n>``."""
        _org, _product, aggregate, name, major = event_type.split(".")
        return f"{self.events}.{aggregate}.{aggregate_id}.{name}.{major}"

    def command_subject(self, route: CommandRoute) -> str:
        return f"{self.prefix}.commands.{route.name}"
