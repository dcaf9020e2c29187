"""What every stage's handlers share: the state the events build, and how a decision is
recorded (a soft rule's deviations first, each event with the command's meta)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from domain.context import CommandContext
from domain.errors import ReasonRequired
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.rules import Deviation, rules_noted
from domain.pathway.state import PathwayState
from domain.protocols import maintenance_protocol

Handler = Callable[[Any, Any, CommandContext], None]
"""A handler as its class holds it: (the pathway, its command, the context)."""


class Deciding:
    state: PathwayState

    if TYPE_CHECKING:
        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
            """The aggregate's (eventsourcing's ``Aggregate``)."""

    def _deviate(self, ctx: CommandContext, command: c.Command, deviations: list[Deviation],
                 reason: str | None) -> None:
        if not deviations:
            return
        if not reason:
            raise ReasonRequired(deviations)
        for rule, sentence in deviations:
            self._emit(ctx, command, e.DeviationRecorded, rule=rule, sentence=sentence,
                       reason=reason)

    def _emit(self, ctx: CommandContext, command: c.Command, event: type[e.PathwayEvent],
              **fields: Any) -> None:
        self.trigger_event(event, timestamp=ctx.recorded_at, occurred_at=command.occurred_at,
                           meta=event_meta(ctx, self._protocol_ref()), **fields)

    def _protocol_ref(self) -> str:
        if self.state.maintenance is not None:
            return maintenance_protocol().ref
        return self.state.protocol.ref


def event_meta(ctx: CommandContext, protocol_ref: str) -> e.EventMeta:
    return e.EventMeta(actor_id=ctx.actor_id, actor_role=ctx.actor_role,
                       correlation_id=ctx.correlation_id, idempotency_key=ctx.idempotency_key,
                       request_digest=ctx.request_digest, protocol=protocol_ref,
                       rules_checked=rules_noted())
