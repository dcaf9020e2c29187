"""Archetypes of pathways still in their acute course: initial, middle and termination."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.pathway import commands as c
from services.demo import blocks as b
from services.demo.blocks import Client
from services.demo.clinical import Course
from services.demo.script import Script

HOLIDAY = "planned holiday abroad, agreed when the contract was signed"
OFF_FOCUS = "client lost their job this week; the session contained the crisis"
LONG_INITIAL = "inventory took longer: the client disclosed a second loss in session 3"


def referred(client: Client, _round: int) -> Script:
    script = b.opened(client, "ipt", b.course_for(client, "response"), sessions=12)
    script.idle_days = client.rng.randint(0, 4)
    return b.consented(script)


def assessing_adolescent(client: Client, _round: int) -> Script:
    script = b.opened(client, "ipt-a", b.course_for(client, "remission"), sessions=12)
    b.intake(script, client)
    script.visit()
    return script


def long_initial(client: Client, _round: int) -> Script:
    """IPT-06: a fourth initial session (the ipt cap is 3), with the reason recorded."""
    script = b.opened(client, "ipt", b.course_for(client, "response"), sessions=12)
    b.intake(script, client)
    return b.formulated(script, client, "grief", initial_sessions=4,
                        long_initial_reason=LONG_INITIAL)


def dit_focus_agreed(client: Client, _round: int) -> Script:
    script = b.opened(client, "dit", b.course_for(client, "response"), sessions=16)
    b.intake(script, client)
    return b.formulated(script, client, "ipaf")


def on_track(client: Client, _round: int) -> Script:
    result = client.rng.choice(("remission", "response"))
    script = b.started(client, "ipt", b.course_for(client, result), b.ipt_focus(client),
                       sessions=b.ipt_sessions(client))
    script.held_until(4)
    script.missed("late_cancellation")
    return script.held_until(client.rng.randint(5, 7))


def outreach_due(client: Client, _round: int) -> Script:
    """IPT-21: two consecutive no-shows; the pathway shows outreach due."""
    script = b.ipt_started(client, "partial")
    script.held_until(client.rng.randint(4, 6))
    script.missed().missed()
    script.idle_days = client.rng.randint(1, 4)
    return script


def urgent_flag(client: Client, round_: int) -> Script:
    """IPT-17: item 9 = 2 at the latest session raises an urgent flag, still open."""
    script = b.ipt_started(client, "response")
    script.held_until(client.rng.randint(3, 5))
    script.visit(item9=2)
    if round_ % 2:
        script.acknowledged(script.flags, minutes=70)
    return script


def routine_flag_missed(client: Client, _round: int) -> Script:
    """A routine flag, acknowledged and assessed but open; one miss then asks for outreach."""
    script = b.ipt_started(client, "response")
    script.held_until(4)
    script.later(2)
    flag = script.raise_flag("routine")
    script.acknowledged(flag, risk="low")
    script.visit()
    script.missed()
    return script


def with_deviations(client: Client, _round: int) -> Script:
    """IPT-05 (a three-week gap) and IPT-14 (a session off the contracted focus)."""
    script = b.started(client, "ipt", b.course_for(client, "response"), "role_dispute", sessions=14)
    script.held_until(4)
    script.visit(days=21, reason=HOLIDAY)
    script.visit(focus_addressed="role_transition", reason=OFF_FOCUS)
    return script.held_until(7)


def telehealth_withdrawn(client: Client, _round: int) -> Script:
    """IPT-32: telehealth consent withdrawn mid-course; the course goes on in person (a video
    session would be refused until the consent is recorded again)."""
    client = replace(client, channel="video")
    script = b.ipt_started(client, "response")
    script.held_until(client.rng.randint(4, 6))
    script.later(2)
    script.do(c.WithdrawConsent, kinds=("telehealth",))
    script.channel = "in_person"
    return script.held_until(script.held + 2)


def dit_middle(client: Client, _round: int) -> Script:
    script = b.started(client, "dit", b.course_for(client, "response"), "ipaf", sessions=16)
    return script.held_until(client.rng.randint(6, 10))


def adolescent_middle(client: Client, _round: int) -> Script:
    script = b.started(client, "ipt-a", b.course_for(client, "remission"),
                       client.rng.choice(("role_dispute", "role_transition")), sessions=12)
    return script.held_until(client.rng.randint(4, 7))


def grief_severe(client: Client, _round: int) -> Script:
    """A severe baseline with item 9 = 1: medication assessed (IPT-12), flag resolved later."""
    course = Course.towards(client.rng.randint(20, 23), "response")
    script = b.opened(client, "ipt", course, sessions=16)
    b.intake(script, client, item9=1)
    b.formulated(script, client, "grief", secondary="role_transition")
    b.contracted(script, client)
    script.held_until(4)
    script.do(c.ResolveSafetyFlag, flag_id=1, occurred_at=script.at + timedelta(minutes=60))
    return script.held_until(client.rng.randint(5, 7))


def ipt_termination(client: Client, _round: int) -> Script:
    script = b.ipt_started(client, "remission")
    return script.held_until(client.rng.randint(10, 11))


def dit_termination(client: Client, _round: int) -> Script:
    script = b.started(client, "dit", b.course_for(client, "response"), "ipaf", sessions=16)
    return script.held_until(client.rng.randint(13, 15))


def adolescent_termination(client: Client, _round: int) -> Script:
    script = b.started(client, "ipt-a", b.course_for(client, "response"), "role_dispute",
                       sessions=12)
    return script.held_until(client.rng.randint(9, 11))
