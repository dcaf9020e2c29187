"""A group session of 9 members against a single-pathway command, same run, same store.

A group session is one command that decides the group and its 9 members' pathways and saves
them in one transaction (10 aggregates, 10 events or more). Bar: its latency at most 2x a
single-pathway command's p50, measured in the same run on the same store. The group runs by
the book (``services.group_course``, 20 sessions so one group gives 20 samples); between two
sessions, untimed, each member records what the course asks (measures, meetings). Each timed
group session follows a timed single-pathway command (a PHQ-9 measure on a pathway of ~40
events, as the other sections time), so drift hits both; the ratio is of the two medians.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from bench.carepath import as_url, extra_measure, prepopulated
from bench.database import fresh_database
from bench.group_phases import Timers, render, timing
from domain.pathway import commands as c
from services.application import Caller
from services.composition import Container, bootstrap
from services.group_course import GroupCourse, MemberCourse
from services.settings import load_settings

BAR = 2.0
MEMBERS = 9
SESSIONS = 20


@dataclass(frozen=True)
class GroupSessionResult:
    store: str
    sessions: int
    members: int
    group_p50_ms: float
    single_p50_ms: float
    parts: dict[str, dict[str, float]]
    """Where a session's and a single command's time goes (``bench.group_phases``)."""

    @property
    def ratio(self) -> float:
        return self.group_p50_ms / self.single_p50_ms

    def meets_bar(self) -> bool:
        return self.ratio <= BAR

    def render(self) -> str:
        verdict = "meets" if self.meets_bar() else "MISSES"
        return (f"groups ({self.store}): a group session of {self.members} members (one"
                f" transaction) p50 {self.group_p50_ms:.2f} ms, a single-pathway command p50"
                f" {self.single_p50_ms:.2f} ms: ratio {self.ratio:.2f} ({verdict} the bar"
                f" <= {BAR:g}; {self.sessions} sessions)\n"
                + render(self.store, self.parts["session"], self.parts["single"]))


def _caller(tag: str) -> Caller:
    return Caller("t-bench", "therapist", f"bench-groups-{tag}", f"{tag}:{uuid4()}")


class _Group:
    """A group of ``MEMBERS`` run through the application by the book."""

    def __init__(self, container: Container, start: datetime) -> None:
        self.container = container
        self.course = GroupCourse(at=start, sessions=SESSIONS, capacity=MEMBERS)
        groups = container.groups
        self.id = groups.form(self.course.formed(), _caller("form")).group_id
        self.members: dict[UUID, MemberCourse] = {}
        for number in range(MEMBERS):
            member = self.course.member(f"client-bench-{number}")
            opening, rest = member.opening()
            pathway = container.pathways.open_pathway(opening, _caller("open")).pathway_id
            self._send(pathway, rest)
            groups.execute(self.id, self.course.enrolment(pathway), _caller("enrol"))
            self.members[pathway] = member

    def _send(self, pathway: UUID, commands: list[c.Command]) -> None:
        for command in commands:
            self.container.pathways.execute(pathway, command, _caller("member"))

    def session(self, timers: Timers | None = None) -> float:
        """Hold the next session (timed, in ms), then the members' own commands (untimed)."""
        command = self.course.session(list(self.members))
        if timers:
            timers.start()
        t0 = time.perf_counter()
        self.container.groups.execute(self.id, command, _caller("session"))
        elapsed = (time.perf_counter() - t0) * 1e3
        if timers:
            timers.lap()
        for pathway, member in self.members.items():
            self._send(pathway, self.course.between_sessions(member).take())
        return elapsed


def _where_the_time_goes(container: Container, group: _Group, single: UUID,
                         measure: c.Command) -> dict[str, dict[str, float]]:
    """One more group's sessions and single commands, with timers on their parts."""
    timers = {"session": Timers(), "single": Timers()}
    with timing(container, timers["session"], timers["single"]):
        for _ in range(SESSIONS):
            timers["single"].start()
            container.pathways.execute(single, measure, _caller("single"))
            timers["single"].lap()
            group.session(timers["session"])
    return {name: each.medians() for name, each in timers.items()}


def measure_group_sessions(database_url: str | None, *, groups: int,
                           say: Callable[[str], None] = lambda _: None) -> GroupSessionResult:
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        container = bootstrap(load_settings(database_url=database_url, data_dir=Path(data_dir)))
        try:
            start = datetime.now(UTC) - timedelta(days=400)
            single = prepopulated(1, start)
            container.pathways.save(single)
            measure = extra_measure(start)
            group_ms: list[float] = []
            single_ms: list[float] = []
            for number in range(groups):
                say(f"groups: group {number + 1} of {groups} ...")
                group = _Group(container, start + timedelta(days=number))
                for _ in range(SESSIONS):
                    t0 = time.perf_counter()
                    container.pathways.execute(single.id, measure, _caller("single"))
                    single_ms.append((time.perf_counter() - t0) * 1e3)
                    group_ms.append(group.session())
            parts = _where_the_time_goes(container, _Group(container, start + timedelta(
                days=groups)), single.id, measure)
        finally:
            container.close()
    return GroupSessionResult("postgresql" if database_url else "sqlite", len(group_ms),
                              MEMBERS, statistics.median(group_ms),
                              statistics.median(single_ms), parts)


def run_groups(server_dsn: str, *, groups: int = 3,
               say: Callable[[str], None] = lambda _: None) -> list[GroupSessionResult]:
    results = [measure_group_sessions(None, groups=groups, say=say)]
    with fresh_database(server_dsn) as dsn:
        results.append(measure_group_sessions(as_url(dsn), groups=groups, say=say))
    return results


def groups_sections(args: Any, lines: list[str], sections: dict[str, Any],
                    say: Callable[[str], None]) -> bool:
    """The ``groups`` section of ``python -m bench``: its lines and figures; True if met."""
    if "groups" not in args.sections:
        return True
    say("groups: a group session of 9 members against a single-pathway command ...")
    met = True
    for result in run_groups(args.dsn, groups=args.groups, say=say):
        lines.append(result.render())
        sections[f"groups_{result.store}"] = {**vars(result), "ratio": result.ratio,
                                              "bar": BAR}
        met = met and result.meets_bar()
    return met
