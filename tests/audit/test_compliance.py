"""Compliance replay: every stored history decided again, under today's rules or a proposed
protocol version, reporting the pathways the rules would have refused, at which event and
rule, as a diff by rule id; a proposal is a protocol table file, checked before it is used."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from uuid import UUID

import pytest

from domain.protocols import ACUTE_PROTOCOLS
from services.audit.compliance import check_store
from services.audit.compliance.proposal import ProposalError, load_proposal
from tests.audit.clinic import (
    PHQ9_PARTIAL,
    PHQ9_REMISSION,
    T0,
    Clinic,
    a_course,
    whole_course,
)

IPT = ACUTE_PROTOCOLS[("ipt", 1)]


def proposal(tmp_path: Path, text: str, name: str = "proposal.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def course_with_a_long_gap(clinic: Clinic, *, sessions: int = 12, gap_days: int = 12,
                           reason: str | None = None) -> UUID:
    """A by-the-book ipt course whose 6th session comes ``gap_days`` after the 5th (with a
    measure the day before it, so only the gap is off the book)."""
    pathway = clinic.open(occurred_at=T0, recorded_at=T0)
    writer = a_course(T0, sessions).consented().measure().later(7).intake()
    writer.formulated("role_dispute").signed({"client": "client-042", "therapist": "t-amara"})
    writer.measure()
    while writer.held < sessions:
        if writer.held == 5:  # the session before the gap
            writer.later(gap_days - 1).measure(PHQ9_PARTIAL)
            writer.visit(days=1, reason=reason)
        else:
            writer.visit()
        if writer.held % 3 == 0:
            writer.measure(PHQ9_PARTIAL)
    clinic.run(pathway, writer.later(0, 30).measure(PHQ9_REMISSION).completed("discharge"))
    return pathway


def test_todays_rules_accept_every_history_they_recorded(clinic: Clinic) -> None:
    first = course_with_a_long_gap(clinic)
    second = clinic.open(occurred_at=T0, recorded_at=T0)
    clinic.run(second, whole_course(T0, sessions=8))
    stored = len(clinic.audit.events(first)) + len(clinic.audit.events(second))

    report = check_store(clinic.audit)

    assert report.pathways == 2
    assert 0 < report.commands <= stored
    assert report.current == []
    assert report.by_rule() == []


def test_a_narrower_session_range_refuses_the_contract_and_still_checks_what_followed(
        clinic: Clinic, tmp_path: Path) -> None:
    pathway = course_with_a_long_gap(clinic, sessions=14, gap_days=12)
    signed = next(e for e in clinic.audit.events(pathway) if type(e).__name__ ==
                  "ContractSigned")
    file = proposal(tmp_path, '[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                              "sessions_range = [8, 12]\nmax_days_between_sessions = 10\n")

    report = check_store(clinic.audit, load_proposal(file))

    found = [(f.version, f.event, f.rule, f.kind) for f in report.newly_refused()]
    assert found[0] == (signed.originator_version, "ContractSigned", "IPT-03", "refused")
    assert [f[1:] for f in found[1:]] == [("SessionHeld", "IPT-05", "reason-required")]
    assert "14 sessions is outside the ipt range of 8-12" in report.newly_refused()[0].sentence
    diff = {d.rule: (d.current.pathways, d.proposed.pathways if d.proposed else None,
                     d.change) for d in report.by_rule()}
    assert diff == {"IPT-03": (0, 1, 1), "IPT-05": (0, 1, 1)}
    assert report.proposal == ("ipt@2",)


def test_a_tighter_soft_rule_asks_for_the_reason_no_one_gave(clinic: Clinic,
                                                            tmp_path: Path) -> None:
    course_with_a_long_gap(clinic)
    file = proposal(tmp_path, '[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                              "initial_cap = 1\n")

    report = check_store(clinic.audit, load_proposal(file))

    assert [(f.event, f.rule, f.kind) for f in report.proposed] == [
        ("SessionHeld", "IPT-06", "reason-required")]
    assert "lasts at most 1 sessions" in report.proposed[0].sentence
    assert report.newly_refused() == report.proposed


def test_a_command_given_with_a_reason_records_the_new_deviation_rather_than_a_refusal(
        clinic: Clinic, tmp_path: Path) -> None:
    pathway = course_with_a_long_gap(clinic, gap_days=16, reason="the client was abroad")
    gap_session = next(e for e in clinic.audit.events(pathway)
                       if type(e).__name__ == "DeviationRecorded").originator_version
    file = proposal(tmp_path, '[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                              "review_at_session = 5\nreview_min_improvement = 0.5\n")

    report = check_store(clinic.audit, load_proposal(file))

    first, *later = report.proposed
    assert (first.version, first.rule, first.kind) == (gap_session, "IPT-16",
                                                       "deviation-added")
    # Each later command is checked against the record as it stood, which has no review:
    assert later
    assert {(f.event, f.rule, f.kind) for f in later} == {
        ("SessionHeld", "IPT-16", "reason-required")}
    assert first not in report.newly_refused()


def test_a_looser_gap_drops_a_deviation_recorded_then(clinic: Clinic, tmp_path: Path) -> None:
    pathway = course_with_a_long_gap(clinic, gap_days=16, reason="the client was abroad")
    deviation = next(e for e in clinic.audit.events(pathway)
                     if type(e).__name__ == "DeviationRecorded")
    file = proposal(tmp_path, '[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                              "max_days_between_sessions = 21\n")

    report = check_store(clinic.audit, load_proposal(file))

    assert [(f.version, f.rule, f.kind) for f in report.proposed] == [
        (deviation.originator_version, "IPT-05", "deviation-dropped")]
    assert report.newly_refused() == []
    (rule,) = report.by_rule()
    assert rule.proposed is not None
    assert (rule.rule, rule.proposed.deviations, rule.change) == ("IPT-05", 1, 0)


def test_a_history_recorded_under_looser_rules_is_found_by_todays(
        clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    looser = dataclasses.replace(IPT, max_days_between_sessions=30)
    monkeypatch.setitem(ACUTE_PROTOCOLS, ("ipt", 1), looser)
    pathway = course_with_a_long_gap(clinic, gap_days=20)  # no reason needed then
    monkeypatch.setitem(ACUTE_PROTOCOLS, ("ipt", 1), IPT)

    report = check_store(clinic.audit)

    (finding,) = report.current
    assert (finding.pathway_id, finding.event, finding.rule, finding.kind) == (
        pathway, "SessionHeld", "IPT-05", "reason-required")
    assert "20.0 days since the last session" in finding.sentence


def test_a_proposal_decides_only_the_pathways_of_its_protocol(clinic: Clinic,
                                                              tmp_path: Path) -> None:
    course_with_a_long_gap(clinic, gap_days=12)
    file = proposal(tmp_path, '[[protocol]]\nid = "dit"\nversion = 2\nbased_on = 1\n'
                              "max_days_between_sessions = 7\n")

    report = check_store(clinic.audit, load_proposal(file))

    assert (report.affected, report.proposed, report.by_rule()) == (0, [], [])


def test_progress_is_told_after_each_pathway(clinic: Clinic) -> None:
    for _ in range(3):
        clinic.open(occurred_at=T0, recorded_at=T0)
    told: list[tuple[int, int]] = []

    check_store(clinic.audit, progress=lambda done, total: told.append((done, total)))

    assert told == [(1, 3), (2, 3), (3, 3)]


# ----- the protocol table file --------------------------------------------------------------------

def test_a_proposal_keeps_every_number_it_does_not_change(tmp_path: Path) -> None:
    file = proposal(tmp_path, '[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n'
                              'title = "Adult IPT, shorter"\nsessions_range = [8, 16]\n')

    (proposed,) = load_proposal(file).values()

    assert proposed == dataclasses.replace(IPT, version=2, title="Adult IPT, shorter",
                                           sessions_range=(8, 16))
    assert proposed.ref == "ipt@2"


def test_a_proposal_may_be_json(tmp_path: Path) -> None:
    file = proposal(tmp_path, '{"protocol": [{"id": "dit", "version": 3, "based_on": 1,'
                              ' "initial_cap": 3}]}', name="dit.json")

    assert load_proposal(file)["dit"].initial_cap == 3


@pytest.mark.parametrize(("text", "said"), [
    ('[[protocol]]\nid = "ipt"\nversion = 1\nbased_on = 1\n', "already published"),
    ('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 7\n', "no published version 7"),
    ('[[protocol]]\nid = "cbt"\nversion = 2\nbased_on = 1\n', "'cbt' is not in the protocol"),
    ('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\nsessions = 9\n',
     "protocol.0.sessions: Extra inputs are not permitted"),
    ('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\nsessions_range = [13, 20]\n',
     "sessions_default 12 is outside sessions_range 13-20"),
    ('[[protocol]]\nid = "ipt"\nversion = 2\n', "protocol.0.based_on: Field required"),
    ('[[protocol]]\nid = "ipt"\nversion = 2\nbased_on = 1\n[[protocol]]\nid = "ipt"\n'
     "version = 3\nbased_on = 1\n", "proposed twice"),
    ("protocol = [", "cannot read the protocol table"),
    ("", "protocol: Field required"),
])
def test_a_proposal_that_cannot_be_used_is_refused_saying_why(tmp_path: Path, text: str,
                                                              said: str) -> None:
    with pytest.raises(ProposalError, match=said):
        load_proposal(proposal(tmp_path, text))


def test_a_missing_proposal_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProposalError, match="cannot read"):
        load_proposal(tmp_path / "nowhere.toml")
