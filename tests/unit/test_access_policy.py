"""The policy table read as the issue states it: who sees what (issue 8, section 5)."""

from __future__ import annotations

from typing import get_args

import pytest

from domain import vocabulary
from services.access.policy import (
    ALL,
    CASELOAD,
    LOGGED,
    POLICY,
    Action,
    Forbidden,
    authorize,
)
from services.access.principal import ROLES, Principal, Role

A = Action
THERAPIST = Principal("t-1", "therapist")
SUPERVISOR = Principal("s-1", "supervisor", therapists=frozenset({"t-1", "t-2"}))


def allowed(role: Role) -> set[Action]:
    return {action for action, roles in POLICY.items() if role in roles}


def test_every_action_is_in_the_table() -> None:
    assert set(POLICY) == set(Action)


def test_the_list_of_roles_is_the_role_type_the_domain_does_not_name_them() -> None:
    assert get_args(Role) == ROLES
    assert not hasattr(vocabulary, "Role")
    assert not hasattr(vocabulary, "ROLES")


def test_a_therapist_reaches_their_own_caseload_only() -> None:
    for action in (A.COMMAND, A.READ_STATE, A.READ_HISTORY, A.READ_AS_OF):
        assert authorize(THERAPIST, action, "t-1") is CASELOAD
        with pytest.raises(Forbidden) as refused:
            authorize(THERAPIST, action, "t-2")
        assert refused.value.outside_caseload


def test_a_supervisor_reaches_the_caseloads_of_the_therapists_they_supervise() -> None:
    for therapist in ("t-1", "t-2", "s-1"):
        assert authorize(SUPERVISOR, A.COMMAND, therapist) is CASELOAD
    with pytest.raises(Forbidden):
        authorize(SUPERVISOR, A.READ_HISTORY, "t-3")


def test_ops_sees_read_models_and_the_dashboard_but_no_clinical_record() -> None:
    assert allowed("ops") == {A.PUBLIC, A.PROTOCOLS, A.DASHBOARD, A.OPS_STATUS, A.METRICS}


def test_an_auditor_reads_histories_as_of_verify_and_exports_and_issues_no_command() -> None:
    assert {A.READ_HISTORY, A.READ_AS_OF, A.EXPORT, A.EXPORT_PERIOD, A.VERIFY, A.EVIDENCE,
            A.ACCESS_LOG, A.AUDIT_PAGE} <= allowed("auditor")
    assert A.COMMAND not in allowed("auditor")
    assert all(POLICY[action]["auditor"] is ALL for action in allowed("auditor"))


def test_the_platform_has_the_event_feed_and_the_relay_status_only() -> None:
    assert allowed("platform") == {A.PUBLIC, A.PROTOCOLS, A.EVENT_FEED, A.OPS_STATUS}


def test_an_admin_may_do_everything_everywhere() -> None:
    assert all(POLICY[action]["admin"] is ALL for action in Action)


def test_only_clinicians_and_admins_issue_commands() -> None:
    assert set(POLICY[A.COMMAND]) == {"therapist", "supervisor", "admin"}
    for role in set(ROLES) - {"therapist", "supervisor", "admin"}:
        with pytest.raises(Forbidden):
            authorize(Principal("x", role), A.COMMAND, "t-1")


def test_histories_as_of_and_exports_are_logged_reads() -> None:
    assert {A.READ_HISTORY, A.READ_AS_OF, A.EXPORT, A.EXPORT_PERIOD, A.EVIDENCE} <= LOGGED
    assert A.COMMAND not in LOGGED
