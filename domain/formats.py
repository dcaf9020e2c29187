"""The formats a pathway runs in (domain.md sections 2 and 4b) as data: who is the client, who
consents, who signs the contract, and the focus the format expects.

An individual or group pathway has one client; a couple pathway (conjoint IPT for marital
disputes) has two, the client and the partner, who both consent (IPT-32) and both sign the
contract, and whose focus is the dispute between them (IPT-34). Which protocol runs in which
format is the protocol table's (``Protocol.formats``).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import (
    CLIENT,
    COUPLE,
    GROUP_FORMAT,
    INDIVIDUAL,
    PARTNER,
    ROLE_DISPUTE,
    THERAPIST,
    Consenter,
    ProblemArea,
    Signer,
)


@dataclass(frozen=True)
class FormatRules:
    id: str
    clients: tuple[Consenter, ...]
    """The people treated, each with a client reference: the client, and for a couple the
    partner. Each of them consents to treatment (IPT-32) and signs the contract."""
    expected_foci: frozenset[ProblemArea] | None = None
    """IPT-34: the foci this format is for; another focus is a deviation (None: any)."""

    @property
    def signers(self) -> frozenset[Signer]:
        """Who signs the contract: every client, and the therapist."""
        return frozenset({*self.clients, THERAPIST})

    @property
    def has_partner(self) -> bool:
        return PARTNER in self.clients


FORMATS: dict[str, FormatRules] = {
    INDIVIDUAL: FormatRules(INDIVIDUAL, clients=(CLIENT,)),
    GROUP_FORMAT: FormatRules(GROUP_FORMAT, clients=(CLIENT,)),
    COUPLE: FormatRules(COUPLE, clients=(CLIENT, PARTNER),
                        expected_foci=frozenset({ROLE_DISPUTE})),
}


def format_rules(format_id: str) -> FormatRules:
    return FORMATS[format_id]
