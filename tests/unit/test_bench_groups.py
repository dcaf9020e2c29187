"""The benchmark's groups section: sessions timed against single commands, and where their
time goes, measured with timers that come off when they are done."""

from __future__ import annotations

from pathlib import Path

import services.groups
from bench.group_phases import PARTS, Timers, timing
from bench.groups import MEMBERS, SESSIONS, measure_group_sessions
from domain.group.session import hold_group_session
from services.composition import bootstrap
from services.settings import load_settings


def test_the_section_times_every_session_and_says_where_its_time_goes() -> None:
    result = measure_group_sessions(None, groups=1)
    assert (result.sessions, result.members) == (SESSIONS, MEMBERS)
    assert min(result.group_p50_ms, result.single_p50_ms) > 0
    for command in ("session", "single"):
        parts = result.parts[command]
        assert all(parts[part] >= 0 for part in PARTS)
        assert min(parts["database"], parts["serialise"], parts["decide"]) > 0
        assert all(parts[part] <= parts["total"] for part in (*PARTS, "other"))
    lines = result.render().splitlines()
    assert "ratio" in lines[0]
    assert lines[1].startswith("groups (sqlite): where the time goes")


def test_the_timers_come_off_when_the_block_ends(tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    try:
        with timing(container, Timers(), Timers()):
            assert "execute" in vars(container.groups)
            assert vars(services.groups)["hold_group_session"] is not hold_group_session
        assert vars(services.groups)["hold_group_session"] is hold_group_session
        events = container.pathways.events
        for owner in (container.groups, container.groups.store, container.pathways,
                      events.mapper, events.recorder):
            assert not {"execute", "checkout_with_members", "_checkout", "_decide",
                        "to_stored_event", "insert_events"} & set(vars(owner))
    finally:
        container.close()
