"""The demo's groups and couple, read back through the HTTP API with the demo's own tokens.

``make run`` seeds the numbered caseload and then two ipt-g groups and a couple pathway
(``services.demo.formats``): one group run by the book to completion, one running with a late
joiner refused under IPT-31 and a member kept out on a safety hold (IPT-17), and a couple
pathway with both partners' consents and signatures. Each story is checked here the way a
clinician or an auditor would read it: the group's state and history, each member's pathway
and history; and the whole demo still verifies against its signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.access.demo import DEMO_USERS
from services.cli.demo import seed
from services.cli.serve import banner, refused_enrolment
from services.composition import Container, bootstrap
from services.demo import DemoSummary, FormatsSummary, seed_formats
from services.demo.formats_summary import GroupSummary
from services.http import create_app
from services.settings import load_settings
from tests.tokens import bearer

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
AS = {user.role: bearer(user.role, user.subject, therapists=user.therapists)
      for user in DEMO_USERS}
"""The demo's token per role: therapist t-amara, supervisor s-olu (t-amara and t-bruno)..."""
THERAPIST, SUPERVISOR, AUDITOR = AS["therapist"], AS["supervisor"], AS["auditor"]


@dataclass
class Demo:
    container: Container
    client: TestClient
    summary: DemoSummary

    @property
    def formats(self) -> FormatsSummary:
        assert self.summary.formats is not None
        return self.summary.formats

    def get(self, path: str, headers: dict[str, str] = THERAPIST) -> Any:
        response = self.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, path: str, headers: dict[str, str] = THERAPIST) -> list[dict[str, Any]]:
        return list(self.get(f"{path}/history?limit=500", headers)["events"])

    def sessions(self, pathway_id: Any, headers: dict[str, str] = THERAPIST
                 ) -> list[tuple[str, str, int | None]]:
        """The member's session events in order: (type, kind, number)."""
        return [(e["type"], e["data"]["kind"], e["data"].get("number"))
                for e in self.history(f"/pathways/{pathway_id}", headers)
                if e["type"] in ("SessionHeld", "SessionMissed")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo as ``make run`` seeds it (48 pathways, then the groups and the couple)."""
    container = bootstrap(load_settings(data_dir=tmp_path_factory.mktemp("demo")),
                          clock=lambda: NOW)
    summary = seed(container.pathways, container.groups, count=48, seed=7)
    with TestClient(create_app(container)) as client:
        yield Demo(container, client, summary)
    container.close()


def completed(demo: Demo) -> GroupSummary:
    return demo.formats.group("group-completed")


def running(demo: Demo) -> GroupSummary:
    return demo.formats.group("group-running")


# ----- the completed group ---------------------------------------------------------------------

def test_a_group_runs_by_the_book_to_completion(demo: Demo) -> None:
    group = demo.get(f"/groups/{completed(demo).group_id}")
    assert group["protocol"]["id"] == "ipt-g"
    assert "t-amara" in group["leaders"]
    assert (group["sessions_held"], group["sessions_planned"]) == (8, 8)
    assert group["closed_outcome"] == "completed"
    assert group["ending_discussed_at"] == 4  # the first of the last five (IPT-23)
    members = [m["pathway_id"] for m in group["members"]]
    assert len(members) == 6
    assert all(m["enrolled_after_session"] == 0 for m in group["members"])
    for session in group["sessions"]:  # every session with every member's attendance
        absent = [a["pathway_id"] for a in session["absent"]]
        assert sorted(session["present"] + absent) == sorted(members)
    assert [a["absence"] for s in group["sessions"] for a in s["absent"]] == [
        "late_cancellation"]
    history = demo.history(f"/groups/{completed(demo).group_id}")
    assert [e["type"] for e in history] == [
        "GroupFormed", *["MemberEnrolled"] * 6, *["GroupSessionHeld"] * 8, "GroupClosed"]


def test_every_member_of_the_completed_group_ends_their_course_properly(demo: Demo) -> None:
    for member in completed(demo).members:
        pathway = demo.get(f"/pathways/{member}")
        assert pathway["protocol"]["id"] == "ipt-g"
        assert pathway["outcome"] in ("remission", "response")
        assert (pathway["phase"], pathway["next_step"]) in (
            ("completed", "maintenance"), ("closed", "discharge"))
        assert pathway["deviations"] == {}
        sessions = demo.sessions(member)
        held = [(kind, number) for event, kind, number in sessions if event == "SessionHeld"]
        kinds = [kind for kind, _ in held]
        assert [kind for kind in kinds if kind != "group"] == [
            "pre_group", "mid_group", "post_group"]
        assert kinds.index("pre_group") < kinds.index("group")  # before the first session
        assert held[kinds.index("mid_group") - 1] == ("group", 4)  # between N/2 and N/2+1
        assert held[-2:] == [("group", 8), ("post_group", 3)]  # after the final session
        attended = [number or 0 for kind, number in held if kind == "group"]
        missed = [number or 0 for event, _, number in sessions if event == "SessionMissed"]
        assert sorted(attended + missed) == list(range(1, 9))  # every session, once
        types = [e["type"] for e in demo.history(f"/pathways/{member}")]
        assert types.index("AcuteCourseCompleted") > max(
            i for i, t in enumerate(types) if t == "SessionHeld")


# ----- the running group -----------------------------------------------------------------------

def test_a_group_is_running_with_a_member_held_out_for_safety_at_one_session(demo: Demo) -> None:
    group = demo.get(f"/groups/{running(demo).group_id}")
    assert (group["sessions_held"], group["sessions_planned"]) == (6, 12)
    assert group["closed_outcome"] is None
    assert len(group["members"]) == 7
    holds = [(s["number"], a["pathway_id"]) for s in group["sessions"] for a in s["absent"]]
    [(number, held)] = holds
    assert number == 5
    assert all(held in s["present"] for s in group["sessions"] if s["number"] != number)
    # IPT-17 on the member's own pathway: a flag raised between sessions 4 and 5, the session
    # missed on a safety hold, the flag acknowledged and assessed before session 6.
    types = [e["type"] for e in demo.history(f"/pathways/{held}")]
    raised = types.index("SafetyFlagRaised")
    missed = types.index("SessionMissed")
    assert raised < missed < types.index("SafetyFlagAcknowledged") < types.index(
        "RiskAssessmentRecorded") < len(types) - 1 - types[::-1].index("SessionHeld")
    assert [(t, n) for t, _, n in demo.sessions(held) if t == "SessionMissed"] == [
        ("SessionMissed", 5)]
    missed_event = demo.history(f"/pathways/{held}")[missed]
    assert missed_event["data"]["kind"] == "safety_hold"
    pathway = demo.get(f"/pathways/{held}")
    assert pathway["therapist_id"] == "t-amara"  # the demo therapist sees their member
    assert [flag["tier"] for flag in pathway["open_safety_flags"]] == ["routine"]


def test_a_late_joiner_is_refused_after_session_3_under_ipt_31(demo: Demo) -> None:
    [refusal] = demo.formats.refusals
    assert (refusal.story, refusal.command, refusal.rule) == (
        "group-running", "EnrolMember", "IPT-31")
    group_id = running(demo).group_id
    assert str(refusal.pathway_id) not in [
        m["pathway_id"] for m in demo.get(f"/groups/{group_id}")["members"]]
    late = demo.get(f"/pathways/{refusal.pathway_id}")  # assessed, contracted, waiting
    assert (late["protocol"]["id"], late["sessions_held"]) == ("ipt-g", 0)
    assert late["contract"]["sessions"] == 12
    # The same enrolment sent by the demo therapist (a leader) is refused the same way.
    before = demo.get(f"/groups/{group_id}")["version"]
    sent = demo.client.post(f"/groups/{group_id}/members", headers=THERAPIST, json={
        "occurred_at": NOW.isoformat(), "pathway_id": str(refusal.pathway_id)})
    assert sent.status_code == 422, sent.text
    assert sent.json()["rule"] == "IPT-31"
    assert demo.get(f"/groups/{group_id}")["version"] == before


# ----- the couple -----------------------------------------------------------------------------

def test_a_couple_pathway_runs_with_both_partners_consents_and_signatures(demo: Demo) -> None:
    couple = demo.formats.couple
    pathway = demo.get(f"/pathways/{couple.pathway_id}")
    assert (pathway["protocol"]["id"], pathway["phase"]) == ("ipt", "middle")
    assert pathway["focus"]["primary"] == "role_dispute"
    assert pathway["deviations"] == {}  # IPT-34 has nothing to record
    history = demo.history(f"/pathways/{couple.pathway_id}")
    opened = history[0]["data"]
    assert opened["format"] == "couple"
    assert opened["partner_ref"] not in (None, opened["client_ref"])
    first_session = next(i for i, e in enumerate(history) if e["type"] == "SessionHeld")
    consents = {(e["data"]["given_by"], kind) for e in history[:first_session]
                if e["type"] == "ConsentRecorded" for kind in e["data"]["kinds"]}
    assert consents == {(who, kind) for who in ("client", "partner")
                        for kind in ("treatment", "telehealth")}
    [contract] = [e["data"] for e in history if e["type"] == "ContractSigned"]
    assert {s["signer"] for s in contract["signatures"]} == {"client", "partner", "therapist"}
    assert pathway["sessions_held"] >= 5


# ----- who sees them, the summary, verify, idempotency -----------------------------------------

def test_the_demo_tokens_see_the_groups_and_members_of_their_caseload(demo: Demo) -> None:
    for group in (completed(demo), running(demo)):
        for role in ("therapist", "supervisor", "admin"):
            demo.get(f"/groups/{group.group_id}", AS[role])
    for member in running(demo).members:  # members of t-amara and t-bruno
        demo.get(f"/pathways/{member}", SUPERVISOR)
    seen = [demo.client.get(f"/pathways/{member}", headers=THERAPIST).status_code
            for member in running(demo).members]
    assert sorted(seen) == [200, 200, 200, 403, 403, 403, 403]  # t-bruno's are not hers
    demo.get(f"/audit/pathways/{demo.formats.couple.pathway_id}/history?purpose=demo", AUDITOR)
    assert demo.client.get(f"/groups/{running(demo).group_id}",
                           headers=AS["ops"]).status_code == 403


def test_the_printed_summary_and_banner_tell_each_story(demo: Demo) -> None:
    text = demo.summary.render()
    assert "2 ipt-g groups, 1 couple pathway" in text
    assert f"group {completed(demo).group_id} (completed" in text
    assert "8/8 sessions" in text
    assert "6/12 sessions" in text
    assert "safety hold (IPT-17)" in text
    assert "IPT-31" in text
    assert "consents from client and partner" in text
    late_joiner = refused_enrolment(demo.formats)
    assert late_joiner is not None
    shown = banner(demo.container.settings, "some-id", None, late_joiner)
    assert f"/groups/{running(demo).group_id}/members" in shown
    assert "refused: IPT-31" in shown


def test_the_whole_demo_verifies_against_its_signed_checkpoint(demo: Demo) -> None:
    demo.container.integrity.seal()
    assert demo.get("/integrity/verify", AUDITOR)["ok"] is True
    for group in (completed(demo), running(demo)):
        assert demo.get(f"/integrity/verify?group_id={group.group_id}", AUDITOR)["ok"] is True
    couple = demo.formats.couple.pathway_id
    assert demo.get(f"/integrity/verify?pathway_id={couple}", AUDITOR)["ok"] is True


def test_seeding_the_groups_and_couple_again_records_nothing_new(demo: Demo) -> None:
    before = demo.container.pathways.recorder.max_notification_id()
    again = seed_formats(demo.container.pathways, demo.container.groups, seed=7)
    assert (again.events_recorded, again.replayed) == (0, demo.formats.commands)
    assert [g.group_id for g in again.groups] == [g.group_id for g in demo.formats.groups]
    assert again.refusals[0].rule == "IPT-31"  # refused again: a refusal records nothing
    assert demo.container.pathways.recorder.max_notification_id() == before


def test_the_demo_seeds_on_its_own_data_directory(tmp_path: Path) -> None:
    """Another seed writes other groups: their ids derive from the seed's keys."""
    container = bootstrap(load_settings(data_dir=tmp_path), clock=lambda: NOW)
    try:
        summary = seed(container.pathways, container.groups, count=1, seed=11)
        assert summary.formats is not None
        assert len(summary.formats.groups) == 2
    finally:
        container.close()
