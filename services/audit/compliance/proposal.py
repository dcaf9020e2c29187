"""A proposed protocol version, given as a protocol table file, to check against the past.

The file is TOML (or JSON with a ``.json`` name) holding one or more ``[[protocol]]`` tables.
Each names the protocol ``id``, its new ``version`` (above every published one: a published
version is never edited), and ``based_on``, the published version whose numbers it keeps;
every other key overrides one number of the protocol table (``domain/protocols.py``)::

    [[protocol]]
    id = "ipt"
    version = 2
    based_on = 1
    sessions_range = [8, 16]          # IPT-03
    max_days_between_sessions = 10    # IPT-05

Pathways opened under that protocol (any version) are decided again under the proposal;
pathways of other protocols are decided under their own. Maintenance (ipt-m) is not proposed
this way.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.protocols import ACUTE_PROTOCOLS, Protocol


class ProposalError(ValueError):
    """The protocol table file cannot be read or describes no valid proposal."""


class ProposedProtocol(BaseModel):
    """One ``[[protocol]]`` table: what changes from the published version it is based on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    version: int = Field(ge=1)
    based_on: int = Field(ge=1)
    title: str | None = None
    sessions_default: int | None = Field(default=None, ge=1, le=60)
    sessions_range: tuple[int, int] | None = None
    initial_cap: int | None = Field(default=None, ge=1)
    ending_sessions: int | None = Field(default=None, ge=1)
    problem_areas: frozenset[str] | None = None
    age_range: tuple[int, int] | None = None
    guardian_required: bool | None = None
    parent_at_first_and_ending: bool | None = None
    blocks_enrolment_on_urgent_flag: bool | None = None
    focus_agreed_by_session: int | None = None
    goodbye_letter_before_final: bool | None = None
    frequencies: frozenset[str] | None = None
    max_days_between_sessions: int | None = Field(default=None, ge=1)
    measure_every_sessions: int | None = Field(default=None, ge=1)
    measure_every_days: int | None = Field(default=None, ge=1)
    review_at_session: int | None = Field(default=None, ge=1)
    review_min_improvement: float | None = Field(default=None, ge=0, le=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protocol: list[ProposedProtocol] = Field(min_length=1)


def load_proposal(path: Path) -> dict[str, Protocol]:
    """The proposed protocols in ``path``, by protocol id; ``ProposalError`` says what is
    wrong (the file, a key, a version that is already published)."""
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        msg = f"{path}: cannot read the protocol table: {error}"
        raise ProposalError(msg) from None
    try:
        tables = _File.model_validate(raw).protocol
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}"
                             for item in error.errors())
        msg = f"{path}: {problems}"
        raise ProposalError(msg) from None
    proposed: dict[str, Protocol] = {}
    for table in tables:
        protocol = _protocol(table)
        if protocol.id in proposed:
            msg = f"{path}: protocol {protocol.id} is proposed twice"
            raise ProposalError(msg)
        proposed[protocol.id] = protocol
    return proposed


def _protocol(table: ProposedProtocol) -> Protocol:
    published = sorted(version for (pid, version) in ACUTE_PROTOCOLS if pid == table.id)
    if not published:
        known = ", ".join(sorted({pid for pid, _ in ACUTE_PROTOCOLS}))
        msg = f"protocol {table.id!r} is not in the protocol table (known: {known})"
        raise ProposalError(msg)
    if table.based_on not in published:
        msg = f"{table.id} has no published version {table.based_on} to base a proposal on"
        raise ProposalError(msg)
    if table.version <= published[-1]:
        msg = (f"{table.id} version {table.version} is already published or older (the latest"
               f" is {published[-1]}): a proposal is a new version")
        raise ProposalError(msg)
    changes = table.model_dump(exclude={"id", "based_on"}, exclude_none=True)
    proposal = dataclasses.replace(ACUTE_PROTOCOLS[(table.id, table.based_on)], **changes)
    low, high = proposal.sessions_range
    if not 1 <= low <= proposal.sessions_default <= high:
        msg = (f"{table.id} version {table.version}: sessions_default"
               f" {proposal.sessions_default} is outside sessions_range {low}-{high}")
        raise ProposalError(msg)
    return proposal
