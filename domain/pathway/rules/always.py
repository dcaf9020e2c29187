"""Rules every command meets: a closed pathway accepts nothing (IPT-29); no clinical time in
the future; and what is decided when a pathway opens: the variant's age (IPT-31) and the
format (one client, or a couple's two)."""

from __future__ import annotations

from datetime import date, datetime

from domain.context import CommandContext
from domain.errors import InvalidCommand, RuleViolation
from domain.formats import format_rules
from domain.pathway.commands import OpenPathway
from domain.pathway.rules import checks
from domain.pathway.state import PathwayState
from domain.protocols import Protocol


def check_available(protocol: Protocol) -> None:
    if not protocol.available:
        raise InvalidCommand("protocol", f"{protocol.id}: {protocol.notes}")


@checks("IPT-31")
def check_age(protocol: Protocol, client_age: int) -> None:
    """IPT-31: a variant for an age group (ipt-a: 12-18) opens only for a client of that age."""
    if protocol.age_range:
        low, high = protocol.age_range
        if not low <= client_age <= high:
            raise RuleViolation("IPT-31", f"{protocol.id} is for clients aged {low}-{high};"
                                f" the client is {client_age}.")


@checks("IPT-29")
def check_not_closed(state: PathwayState) -> None:
    """IPT-29: a closed pathway accepts no command."""
    if state.closed_reason is not None:
        raise RuleViolation("IPT-29", f"The pathway is closed ({state.closed_reason})"
                            " and accepts no command.")


def check_not_future(occurred_at: datetime, ctx: CommandContext) -> None:
    if occurred_at > ctx.latest_clinical_time:
        raise InvalidCommand("occurred_at", "is in the future")


def check_referral_not_future(referral: date, ctx: CommandContext) -> None:
    if referral > ctx.latest_clinical_time.date():
        raise InvalidCommand("referral_date", "is in the future")


def check_format(protocol: Protocol, command: OpenPathway) -> None:
    """The protocol runs in this format (ipt-g in groups; a couple under ipt), and a couple
    pathway names its second client (only a couple does)."""
    if command.format not in protocol.formats:
        allowed = ", ".join(sorted(protocol.formats))
        raise InvalidCommand("format", f"{protocol.id} runs in the format {allowed}, not"
                             f" {command.format}")
    if format_rules(command.format).has_partner != (command.partner_ref is not None):
        if command.partner_ref is None:
            raise InvalidCommand("partner_ref", "a couple pathway names both clients: give the"
                                 " partner's reference")
        raise InvalidCommand("partner_ref", f"only a couple pathway has a partner; this one is"
                             f" {command.format}")
