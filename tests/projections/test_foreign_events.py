"""Events of another aggregate in the same log (a group's, say) reach no read model that does
not fold them: the followers and the one-pass rebuild step over them, count them in the log
position, and build the same rows as from the pathways' events alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate

from projections.catch_up import catch_up
from projections.log import OrderedLog
from projections.projection import routed
from projections.rebuild_all import rebuild_all
from projections.registry import all_projections
from projections.tracking import tracked
from services.composition import bootstrap
from services.settings import load_settings
from tests.projections.counting import open_pathways
from tests.projections.support import Known, table_rows


class Roster(Aggregate):
    """Not a pathway: an aggregate whose events no read model here folds."""

    TOPIC = "tests.projections.test_foreign_events:Roster"

    class Created(Aggregate.Created):
        TOPIC = "tests.projections.test_foreign_events:Roster.Created"
        title: str

    class Joined(Aggregate.Event):
        TOPIC = "tests.projections.test_foreign_events:Roster.Joined"
        member: str

        def apply(self, aggregate: Any) -> None:
            aggregate.members.append(self.member)

    def __init__(self, title: str) -> None:
        self.title = title
        self.members: list[str] = []

    def join(self, member: str) -> None:
        self.trigger_event(self.Joined, member=member)


def test_followers_and_the_rebuild_step_over_another_aggregates_events(tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    try:
        open_pathways(container.pathways, 3, "before")
        roster = Roster(title="Tuesday group")
        roster.join("a")
        roster.join("b")
        container.pathways.save(roster)
        open_pathways(container.pathways, 2, "after")
        log = OrderedLog(container.pathways)
        head = log.head()
        batch = log.read(0, head)
        assert {type(logged.event) for logged in batch} >= {Roster.Created, Roster.Joined}
        projections = all_projections()
        for projection in projections:
            folded: set[type] = {type(logged.event) for logged in routed(projection, batch)}
            assert not folded & {Roster.Created, Roster.Joined}, projection.name
        known = Known(container, container.read_store, log, None)  # type: ignore[arg-type]
        for projection in projections:
            assert catch_up(container.read_store, log, projection, batch=2) == head
        assert rebuild_all(container.read_store, log, projections, batch=3) == head
        for projection in projections:
            with container.read_store.reading() as tx:
                positions = {row.generation: row.position
                             for row in tracked(tx, projection.name)}
            assert positions == {1: head, 2: head}, projection.name
            assert table_rows(known, projection, 2) == table_rows(known, projection, 1)
        with container.read_store.reading() as tx:
            pathways = tx.scalar("SELECT count(*) FROM rm_pathways_g2_pathways")
        assert pathways == 5
    finally:
        container.close()
