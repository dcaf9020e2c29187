"""A pathway's state folded by the domain's own ``apply``, carried between batches as JSON.

Read models that need the phase (or anything else the aggregate derives) must not derive it a
second way: they run each event's own ``apply`` (``domain/pathway/events.py``) on a
``PathwayState``, and read ``phase``, ``sessions_left``, ``open_flags`` from it exactly as the
aggregate does.

Between batches the state is kept as plain JSON of the fields ``apply`` reads and the rows
show (not a pickle: it survives code changes the same way the rows do, and a projection's
version bump rebuilds it). An ipt-g member's group and the number of the latest group
session they held or missed are carried too: their sessions left and phase count from the
group's number, not from the sessions they attended. What no rule of ``apply`` reads and no
row shows (consents, the inventory, every measure but the latest, every session but the
first and the last) is not carried: a thawed state holds the first and last session and
placeholders between them, so ``sessions_held`` and the phase come out right.
tests/projections/test_pathways.py (and test_group_members_pathways.py for ipt-g members)
checks the rows against states replayed in full from the event store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import orjson

from domain.pathway.events import PathwayEvent
from domain.pathway.state import (
    Contract,
    Flag,
    MaintenanceContract,
    MeasureEntry,
    PathwayState,
    SessionEntry,
)
from domain.vocabulary import Phase
from projections.log import LoggedEvent
from projections.pathways.rows import (
    from_utc_text,
    maybe_from_utc_text,
    maybe_utc_text,
    rows_by_id,
    utc_text,
)
from projections.store import Tx


@dataclass
class Track:
    """One pathway as the read models see it: its state and where its events sit."""

    state: PathwayState
    opened_position: int
    version: int
    last_clinical_at: datetime
    last_recorded_at: datetime


class Folding:
    """Folds a batch, starting from the tracks carried from earlier batches (JSON by id), or
    from tracks kept in memory by a rebuild (``kept``: changed in place, added to)."""

    def __init__(self, carried: Mapping[str, str],
                 kept: dict[str, Track] | None = None) -> None:
        self._carried = dict(carried)
        self.tracks: dict[str, Track] = {} if kept is None else kept

    def track(self, pathway_id: str) -> Track | None:
        found = self.tracks.get(pathway_id)
        if found is None and pathway_id in self._carried:
            found = self.tracks[pathway_id] = thaw(self._carried.pop(pathway_id))
        return found

    def step(self, logged: LoggedEvent, pathway_id: str | None = None) -> Track:
        """Apply one event, the way the aggregate applies it (``pathway_id``: its id as text,
        if the caller has it already)."""
        event = cast("PathwayEvent", logged.event)  # the projection handles pathway events
        pathway_id = pathway_id or str(logged.pathway_id)
        found = self.track(pathway_id)
        if found is None:
            holder = _Holder()
            event.apply(holder)  # PathwayOpened creates the state
            found = self.tracks[pathway_id] = Track(
                holder.state, logged.position, logged.version, event.occurred_at,
                event.timestamp)
        else:
            if type(event).apply is _RECORDING_APPLY:  # evolve, then the idempotency record
                event.evolve(found.state)
            else:
                event.apply(_Holder(found.state))
            found.last_clinical_at = max(found.last_clinical_at, event.occurred_at)
            found.last_recorded_at = max(found.last_recorded_at, event.timestamp)
        found.version = logged.version
        found.state.commands.clear()  # idempotency records are the write side's alone
        return found


_RECORDING_APPLY = PathwayEvent.apply


@dataclass
class Folded:
    """A batch folded once: the tracks of its pathways after it, and each event's phases."""

    batch: Sequence[LoggedEvent]
    tracks: dict[str, Track]
    """The batch's pathways (by id) as the batch left them."""
    steps: list[tuple[str, Phase | None, Phase]]
    """Per event: its pathway's id, the phase before it (None: it opened the pathway), after."""
    _frozen: dict[str, str] = field(default_factory=dict)

    def frozen(self, pathway_id: str) -> str:
        """The pathway's track as carried to the next batch (made once per batch)."""
        text = self._frozen.get(pathway_id)
        if text is None:
            text = self._frozen[pathway_id] = freeze(self.tracks[pathway_id])
        return text


KEPT_TRACKS = 10_000
"""Pathways a rebuild keeps folded in memory; beyond, those the batch does not touch are
dropped, and read back from their rows when met again."""
_KEPT = "pathways.fold:tracks"
_LAST = "pathways.fold:last"


def fold_batch(tx: Tx, table: str, batch: Sequence[LoggedEvent]) -> Folded:
    """Fold ``batch`` from the ``fold`` column of ``table``.

    In a rebuild that keeps rows in memory (``tx.memory``) the read models that fold pathway
    states (pathways, caseload, funnel) share one fold: the first to ask folds the batch, the
    others get the same answer, and the tracks stay in memory for the next batch.
    """
    memory = tx.memory
    if memory is not None:
        last: Folded | None = memory.get(_LAST)
        if last is not None and last.batch is batch:
            return last
    ids = [str(logged.pathway_id) for logged in batch]
    kept: dict[str, Track] | None = None
    wanted: Iterable[str] = ids
    if memory is not None:
        kept = memory.setdefault(_KEPT, {})
        if len(kept) > KEPT_TRACKS:  # keep the batch's pathways, drop the others
            batch_ids = set(ids)
            for pathway_id in [k for k in kept if k not in batch_ids]:
                del kept[pathway_id]
        wanted = [pathway_id for pathway_id in dict.fromkeys(ids) if pathway_id not in kept]
    carried = rows_by_id(tx, f"SELECT id, fold FROM {{{table}}} WHERE id IN {{ids}}", wanted)
    folding = Folding({pathway_id: row[1] for pathway_id, row in carried.items()}, kept)
    touched: dict[str, Track] = {}
    steps: list[tuple[str, Phase | None, Phase]] = []
    phases: dict[str, Phase] = {}
    for logged, pathway_id in zip(batch, ids, strict=True):
        was = phases.get(pathway_id)
        if was is None and (before := folding.track(pathway_id)) is not None:
            was = before.state.phase
        track = touched[pathway_id] = folding.step(logged, pathway_id)
        now = phases[pathway_id] = track.state.phase
        steps.append((pathway_id, was, now))
    folded = Folded(batch, touched, steps)
    if memory is not None:
        memory[_LAST] = folded
    return folded


class _Holder:
    """What ``PathwayEvent.apply`` writes to: an object with a ``state``."""

    def __init__(self, state: PathwayState | None = None) -> None:
        if state is not None:
            self.state = state

    state: PathwayState


# ----- carrying the state between batches -----------------------------------------------------

def freeze(track: Track) -> str:
    s = track.state
    latest = s.latest_measure()
    return orjson.dumps({
        "at": [track.opened_position, track.version, utc_text(track.last_clinical_at),
               utc_text(track.last_recorded_at)],
        "opened": [s.protocol_id, s.protocol_version, s.therapist_id, s.format, s.channel,
                   s.referral_date.isoformat(), utc_text(s.opened_at)],
        "measure": None if latest is None else [
            latest.instrument, latest.total, latest.item9, utc_text(latest.occurred_at),
            latest.acute_sessions_held, latest.version],
        "flags": [[f.id, f.tier, utc_text(f.raised_at), f.acknowledged, f.assessed]
                  for f in s.open_flags],
        "flags_raised": len(s.flags),
        "contract": None if s.contract is None else _contract(s.contract),
        "signed_at": maybe_utc_text(s.contract_signed_at),
        "sessions": _sessions(s.sessions),
        "maintenance_sessions": _sessions(s.maintenance_sessions),
        "misses": [s.misses_since_session, s.client_misses, s.consecutive_misses,
                   s.outreach_due],
        "discussed_at": s.termination_discussed_at,
        "letter": s.goodbye_letter_shared,
        "end": [s.outcome, s.next_step, s.recurrence_suspected, s.closed_reason],
        "maintenance": None if s.maintenance is None else [
            s.maintenance.frequency, s.maintenance.sessions,
            s.maintenance.start_date.isoformat()],
        "renegotiations": [[held, utc_text(at)] for held, at in s.renegotiations],
        "group": None if s.group_id is None else [str(s.group_id), s.last_group_session],
    }).decode()


def thaw(text: str) -> Track:
    d: dict[str, Any] = orjson.loads(text)
    protocol, version, therapist, fmt, channel, referral, opened_at = d["opened"]
    state = PathwayState(
        protocol_id=protocol, protocol_version=version, client_ref="", client_age=0,
        therapist_id=therapist, format=fmt, channel=channel,
        referral_date=date.fromisoformat(referral), opened_at=from_utc_text(opened_at))
    if d["measure"] is not None:
        instrument, total, item9, at, held, measured_version = d["measure"]
        state.measures.append(MeasureEntry(instrument, total, item9, from_utc_text(at), held,
                                           measured_version))
    resolved = [Flag(id=n, tier="routine", raised_at=state.opened_at, resolved=True)
                for n in range(1, d["flags_raised"] + 1)]
    state.flags = {flag.id: flag for flag in resolved}
    for flag_id, tier, raised_at, acknowledged, assessed in d["flags"]:
        state.flags[flag_id] = Flag(flag_id, tier, from_utc_text(raised_at), acknowledged,
                                    assessed)
    if d["contract"] is not None:
        sessions, frequency, minutes, start, window, foci = d["contract"]
        state.contract = Contract(sessions, frequency, minutes, date.fromisoformat(start),
                                  window, tuple(foci))
    state.contract_signed_at = maybe_from_utc_text(d["signed_at"])
    state.sessions = _entries(d["sessions"])
    state.maintenance_sessions = _entries(d["maintenance_sessions"])
    (state.misses_since_session, state.client_misses, state.consecutive_misses,
     state.outreach_due) = d["misses"]
    state.termination_discussed_at = d["discussed_at"]
    state.goodbye_letter_shared = d["letter"]
    state.outcome, state.next_step, state.recurrence_suspected, state.closed_reason = d["end"]
    if d["maintenance"] is not None:
        frequency, count, start = d["maintenance"]
        state.maintenance = MaintenanceContract(frequency, count, date.fromisoformat(start))
    state.renegotiations = [(held, from_utc_text(at)) for held, at in d["renegotiations"]]
    if d.get("group") is not None:  # an ipt-g member: sessions left follow the group's number
        group_id, state.last_group_session = d["group"]
        state.group_id = UUID(group_id)
    position, last_version, clinical, recorded = d["at"]
    return Track(state, position, last_version, from_utc_text(clinical),
                 from_utc_text(recorded))


def _contract(contract: Contract) -> list[Any]:
    return [contract.sessions, contract.frequency, contract.session_minutes,
            contract.start_date.isoformat(), contract.course_window_weeks, list(contract.foci)]


def _sessions(sessions: list[SessionEntry]) -> list[Any]:
    """How many, and the first and the last (number, time, phase): what rows and rules read."""
    if not sessions:
        return [0]
    first, last = sessions[0], sessions[-1]
    return [len(sessions), [first.number, utc_text(first.occurred_at), first.phase],
            [last.number, utc_text(last.occurred_at), last.phase]]


def _entries(carried: list[Any]) -> list[SessionEntry]:
    count = carried[0]
    if not count:
        return []
    first, last = (SessionEntry(number, from_utc_text(at), phase, None, False)
                   for number, at, phase in carried[1:])
    if count == 1:
        return [first]
    return [first, *[last] * (count - 2), last]
