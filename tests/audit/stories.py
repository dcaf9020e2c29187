"""Courses of care with something of everything an export shows: consents given and one
withdrawn, PHQ-9 and GAD-7 measures (one raising a safety flag), missed sessions (the third
with outreach due, an IPT-21 deviation with its reason), a renegotiated contract, completion
and discharge."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.pathway import commands as c
from tests.audit.clinic import T0, Clinic, whole_course

GAD7 = (1, 2, 1, 1, 0, 1, 2)  # 8
OUTREACH_REASON = "outreach arranged: the client is travelling this week"
PHQ9_ITEM9 = (2, 2, 1, 1, 1, 1, 1, 1, 1)  # 11, item 9 = 1: a routine flag (IPT-17)


def full_story(clinic: Clinic) -> UUID:
    """An 8-session ipt course, completed in remission and closed as discharged."""
    pathway = clinic.open(occurred_at=T0, recorded_at=T0)
    writer = whole_course(T0, sessions=8)
    commands = writer.commands
    third = next(i for i, command in enumerate(commands)
                 if isinstance(command, c.HoldSession) and command.number == 3)
    at = commands[third].occurred_at
    extra: list[c.Command] = [
        c.RecordConsent(occurred_at=at, kinds=("recording",)),
        c.RecordMeasure(occurred_at=at + timedelta(minutes=50), instrument="gad7", items=GAD7),
        c.RecordMissedSession(occurred_at=at + timedelta(days=2), kind="no_show",
                              notice_hours=0.0),
        c.RecordMissedSession(occurred_at=at + timedelta(days=3), kind="late_cancellation",
                              notice_hours=6.0),
        c.RecordMissedSession(occurred_at=at + timedelta(days=4), kind="no_show",
                              notice_hours=0.0, reason=OUTREACH_REASON),
        c.WithdrawConsent(occurred_at=at + timedelta(days=4, hours=1), kinds=("recording",)),
        c.RenegotiateContract(occurred_at=at + timedelta(days=4, hours=2),
                              frequency="twice_weekly", reason="the client asked for more",
                              patient_agreed=True),
    ]
    writer.commands = [*commands[:third + 1], *extra, *commands[third + 1:]]
    clinic.run(pathway, writer)
    end = writer.last_at + timedelta(days=1)
    clinic.do(pathway, c.ClosePathway(occurred_at=end, reason="discharged"),
              recorded_at=end + timedelta(hours=1))
    return pathway


def flagged_intake(clinic: Clinic) -> UUID:
    """A second pathway of the same client: opened, consent, a PHQ-9 raising a flag."""
    at = T0 + timedelta(days=200)
    pathway = clinic.open(occurred_at=at, recorded_at=at)
    clinic.do(pathway, c.RecordConsent(occurred_at=at, kinds=("treatment", "telehealth")))
    clinic.do(pathway, c.RecordMeasure(occurred_at=at, instrument="phq9", items=PHQ9_ITEM9))
    return pathway
