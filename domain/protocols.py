"""The protocol table (domain.md section 2) as data, keyed by id and version.

A pathway records the protocol id *and version* it was opened with, so a history replays under
the rules that applied when it was written. To change a number, add a new version; never edit a
published one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import InvalidCommand

IPT_AREAS = frozenset({"grief", "role_dispute", "role_transition", "interpersonal_deficits"})
ACUTE_FREQUENCIES = frozenset({"weekly", "twice_weekly", "fortnightly"})
MAINTENANCE_FREQUENCIES = frozenset({"weekly", "twice_monthly", "monthly"})
SESSIONS_PER_MONTH = {"weekly": 4.0, "twice_monthly": 2.0, "monthly": 1.0}
INDIVIDUAL_ONLY = frozenset({"individual"})
GROUP_MEETINGS = frozenset({"pre_group", "mid_group", "post_group"})


@dataclass(frozen=True)
class Protocol:
    """One versioned protocol definition: every configurable (C) number lives here."""

    id: str
    version: int
    title: str
    sessions_default: int
    sessions_range: tuple[int, int]
    initial_cap: int
    ending_sessions: int
    problem_areas: frozenset[str]
    age_range: tuple[int, int] | None = None
    guardian_required: bool = False
    parent_at_first_and_ending: bool = False
    blocks_enrolment_on_urgent_flag: bool = False
    focus_agreed_by_session: int | None = None
    goodbye_letter_before_final: bool = False
    formats: frozenset[str] = INDIVIDUAL_ONLY
    """The formats a pathway of this protocol is run in (``domain/formats.py``)."""
    group_size: tuple[int, int] | None = None
    """A group protocol (ipt-g): the members a group holds its first session with (IPT-33);
    a group's capacity lies in this range. None: not a group protocol."""
    membership_closes_after_session: int | None = None
    """ipt-g (IPT-31): no member enrols once the group has held this session."""
    individual_meetings: frozenset[str] = frozenset()
    """ipt-g (IPT-31): the individual meetings beside the group sessions (pre, mid, post)."""
    frequencies: frozenset[str] = ACUTE_FREQUENCIES
    max_days_between_sessions: int = 14
    measure_every_sessions: int = 4
    measure_every_days: int = 28
    review_at_session: int = 8
    review_min_improvement: float = 0.25
    available: bool = True
    notes: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def is_group(self) -> bool:
        """The member's acute sessions are a group's sessions (ipt-g)."""
        return self.group_size is not None

    def mid_group_after(self, sessions: int) -> int:
        """ipt-g: the mid-group meeting falls between this group session and the next (N/2,
        rounded down for an odd N)."""
        return sessions // 2

    def ending_starts_at(self, contracted_sessions: int) -> int:
        """The first session of the ending window (N-2 for ipt, N-3 for ipt-a and dit)."""
        return contracted_sessions - self.ending_sessions + 1


@dataclass(frozen=True)
class MaintenanceProtocol:
    """The ipt-m maintenance contract: monthly by default (IPT-27), 1-36 months (IPT-03)."""

    id: str
    version: int
    months_range: tuple[int, int]
    default_frequency: str
    frequencies: frozenset[str] = field(default=MAINTENANCE_FREQUENCIES)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


ACUTE_PROTOCOLS: dict[tuple[str, int], Protocol] = {
    ("ipt", 1): Protocol(
        id="ipt", version=1, title="Adult individual IPT", sessions_default=12,
        sessions_range=(8, 20), initial_cap=3, ending_sessions=3, problem_areas=IPT_AREAS,
        formats=frozenset({"individual", "couple"}),
    ),
    ("ipt-a", 1): Protocol(
        id="ipt-a", version=1, title="IPT for depressed adolescents", sessions_default=12,
        sessions_range=(12, 16), initial_cap=4, ending_sessions=4, problem_areas=IPT_AREAS,
        age_range=(12, 18), guardian_required=True, parent_at_first_and_ending=True,
        blocks_enrolment_on_urgent_flag=True,
    ),
    ("ipt-g", 1): Protocol(
        id="ipt-g", version=1, title="Group IPT", sessions_default=8, sessions_range=(8, 20),
        initial_cap=1, ending_sessions=5, problem_areas=IPT_AREAS,
        blocks_enrolment_on_urgent_flag=True, formats=frozenset({"group"}), group_size=(6, 9),
        membership_closes_after_session=3, individual_meetings=GROUP_MEETINGS,
        notes="one course for 6-9 members together; the initial phase is the pre-group"
              " meeting",
    ),
    ("dit", 1): Protocol(
        id="dit", version=1, title="Dynamic interpersonal therapy", sessions_default=16,
        sessions_range=(16, 16), initial_cap=4, ending_sessions=4,
        problem_areas=frozenset({"ipaf"}), focus_agreed_by_session=4,
        goodbye_letter_before_final=True,
    ),
}

MAINTENANCE_PROTOCOLS: dict[tuple[str, int], MaintenanceProtocol] = {
    ("ipt-m", 1): MaintenanceProtocol(
        id="ipt-m", version=1, months_range=(1, 36), default_frequency="monthly"
    ),
}

CURRENT_VERSION = {"ipt": 1, "ipt-a": 1, "ipt-g": 1, "dit": 1, "ipt-m": 1}


def acute_protocol(protocol_id: str, version: int | None = None) -> Protocol:
    """The acute protocol to open a pathway under (the current version unless one is named)."""
    if version is not None and (named := ACUTE_PROTOCOLS.get((protocol_id, version))):
        return named  # the common case, asked at every phase a read model folds
    versions = sorted(key[1] for key in ACUTE_PROTOCOLS if key[0] == protocol_id)
    if not versions:
        known = ", ".join(sorted({key[0] for key in ACUTE_PROTOCOLS}))
        raise InvalidCommand("protocol", f"unknown protocol {protocol_id!r} (known: {known})")
    chosen = CURRENT_VERSION[protocol_id] if version is None else version
    protocol = ACUTE_PROTOCOLS.get((protocol_id, chosen))
    if protocol is None:
        listed = ", ".join(map(str, versions))
        raise InvalidCommand("protocol_version", f"protocol {protocol_id} has no version"
                             f" {chosen} (versions: {listed})")
    return protocol


def openable_protocols() -> list[str]:
    """The ids a pathway can be opened under today, for the API's schema and docs."""
    return sorted({p.id for p in ACUTE_PROTOCOLS.values() if p.available})


def maintenance_protocol(version: int | None = None) -> MaintenanceProtocol:
    return MAINTENANCE_PROTOCOLS[("ipt-m", version or CURRENT_VERSION["ipt-m"])]
