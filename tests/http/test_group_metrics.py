"""``GET /metrics`` counts a group's commands like a pathway's: by command, outcome and rule id."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

from tests.http.support import THERAPIST, make_client
from tests.http.test_groups import HttpGroup, group_body
from tests.http.test_metrics import Samples, scrape


def _count(samples: Samples, command: str, outcome: str, rule: str = "") -> float:
    return samples.get(("carepath_commands_total", (
        ("command", command), ("outcome", outcome), ("rule", rule))), 0)


def test_group_commands_are_counted_by_outcome_and_rule_id(tmp_path: Path) -> None:
    with make_client(tmp_path / "data") as client:
        group = HttpGroup(client, members=5)  # one short of the six a first session needs
        retry = {**THERAPIST, "Idempotency-Key": "form-once"}
        for _ in range(2):
            formed = client.post("/groups", json=group_body(group.course.formed()),
                                 headers=retry)
            assert formed.status_code in {200, 201}, formed.text
        too_few = group.post("sessions", group.course.session([UUID(m) for m in group.members]))
        assert too_few.status_code == 422, too_few.text
        unknown = client.post(f"/groups/{uuid4()}/close", headers=THERAPIST, json=group_body(
            group.course.closed("completed")))
        assert unknown.status_code == 404, unknown.text
        samples = scrape(client)

    assert _count(samples, "FormGroup", "recorded") == 2
    assert _count(samples, "FormGroup", "replayed") == 1
    assert _count(samples, "EnrolMember", "recorded") == 5
    assert _count(samples, "HoldGroupSession", "refused", "IPT-33") == 1
    assert _count(samples, "HoldGroupSession", "recorded") == 0
    assert _count(samples, "CloseGroup", "not_found") == 1
    assert _count(samples, "OpenPathway", "recorded") == 5  # the members' own, as before
