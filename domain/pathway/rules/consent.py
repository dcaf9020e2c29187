"""Consent before care (IPT-32): who must have consented, to what, before a routine session.

Every routine session (acute or maintenance) needs the treatment consent of everyone who
consents for the clients: the client (and a couple's partner, domain.md 4b), and for a protocol
that requires one (ipt-a) the guardian.
A video or phone session needs the same people's telehealth consent as well. A withdrawal
suspends the consent it names until it is recorded again; a safety session is never blocked.
"""

from __future__ import annotations

from domain.errors import InvalidCommand, RuleViolation
from domain.formats import FormatRules
from domain.pathway.commands import HoldSession, RecordConsent
from domain.pathway.rules import checks
from domain.pathway.state import PathwayState, consent_key
from domain.protocols import Protocol
from domain.vocabulary import (
    GUARDIAN,
    PARTNER,
    REMOTE_CHANNELS,
    SAFETY,
    TELEHEALTH,
    TREATMENT,
    Channel,
    Consenter,
    ConsentKind,
)


def consenters(protocol: Protocol, form: FormatRules) -> tuple[Consenter, ...]:
    """Who consents: each client of the format (a couple: both), and the guardian where the
    protocol says so."""
    return (*form.clients, GUARDIAN) if protocol.guardian_required else form.clients


def consents_needed(protocol: Protocol, form: FormatRules, channel: Channel
                    ) -> list[tuple[Consenter, ConsentKind]]:
    """The (given_by, kind) consents a routine session on ``channel`` needs."""
    kinds: tuple[ConsentKind, ...] = (
        (TREATMENT, TELEHEALTH) if channel in REMOTE_CHANNELS else (TREATMENT,))
    return [(who, kind) for kind in kinds for who in consenters(protocol, form)]


def consents_missing(state: PathwayState, channel: Channel) -> list[str]:
    """What a routine session on ``channel`` still needs, one phrase per kind of consent:
    "treatment consent from the client (withdrawn) and from the guardian (not recorded)"."""
    missing: dict[str, list[str]] = {}
    for who, kind in consents_needed(state.protocol, state.format_rules, channel):
        given = state.consents.get(consent_key(who, kind))
        if not given:
            how = "withdrawn" if given is False else "not recorded"
            missing.setdefault(kind, []).append(f"from the {who} ({how})")
    return [f"{kind} consent " + " and ".join(whom) for kind, whom in missing.items()]


@checks("IPT-32")
def check_session_consent(state: PathwayState, command: HoldSession) -> None:
    """IPT-32: no routine session without the consents on record; a safety session may go on."""
    if command.kind == SAFETY:
        return
    missing = consents_missing(state, command.channel)
    if missing:
        channel = command.channel.replace("_", " ")
        raise RuleViolation("IPT-32", f"No routine session without consent on record: this"
                            f" {channel} session needs {', and '.join(missing)}. Record the"
                            " consent first (a safety session is allowed).")


@checks("IPT-32")
def check_consent_giver(state: PathwayState, command: RecordConsent) -> None:
    """IPT-32: a guardian's consent counts only where the protocol asks for one (ipt-a), a
    partner's only on a couple pathway."""
    protocol = state.protocol
    if command.given_by == GUARDIAN and not protocol.guardian_required:
        raise InvalidCommand("given_by", f"a guardian's consent counts only for ipt-a; on this"
                             f" {protocol.id} pathway the client consents (IPT-32)")
    if command.given_by == PARTNER and not state.format_rules.has_partner:
        raise InvalidCommand("given_by", f"a partner consents only on a couple pathway; this"
                             f" one is {state.format} (IPT-32)")
