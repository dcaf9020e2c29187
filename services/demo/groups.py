"""The demo's group IPT (ipt-g, domain.md 4b): one group run to completion, one in progress.

Both are the shared by-the-book group course (``services.group_course``) with the demo's own
touches: symptom courses from the seed, the members' individual meetings spread over the days
after a session, and a story in each.

- ``completed_group``: WHO's eight sessions, led by t-amara and t-chen. Six members are
  assessed (each with a pre-group meeting) and contracted on the group's N, then enrolled; the
  eight sessions are held with attendance (one late cancellation), a PHQ-9 every third
  session, the mid-group meeting after session 4 and, after session 8, a final PHQ-9, the
  post-group meeting and the completion. The group closes completed; members in remission go
  on to maintenance, those who responded are discharged and their pathways closed.
- ``running_group``: twelve sessions, led by t-bruno and t-amara, seven members, six sessions
  held. After session 3 a late joiner, assessed and contracted like the others, is refused
  under IPT-31 (membership closes after session 3). A member's PHQ-9 after session 4 scores
  item 9, which raises a safety flag; marked present at session 5 they are recorded absent on
  a safety hold (IPT-17) while the others meet, the flag is acknowledged and assessed that
  afternoon, and they attend session 6.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from uuid import UUID

from domain.group import commands as g
from domain.values import ProblemArea
from services.demo.clinical import Course, phq9
from services.demo.script import ORIGIN
from services.demo.story import GROUP, Story
from services.group_course import MEASURE_EVERY, GroupCourse, MemberCourse

COMPLETED = "group-completed"
RUNNING = "group-running"
COMPLETED_LEADERS = ("t-amara", "t-chen")
RUNNING_LEADERS = ("t-bruno", "t-amara")
THEMES: tuple[ProblemArea, ...] = ("role_dispute", "role_transition", "grief")
BASELINE = 12
"""The members' baseline PHQ-9 (the group course's ``PHQ9_MODERATE``)."""
LATE_JOINER = "late-joiner"
LATE_JOINER_AFTER = 3
SAFETY_HOLD_AT = 5
HELD_MEMBER = "member-1"
"""The running group's member on a safety hold at session ``SAFETY_HOLD_AT`` (t-amara's)."""
NEXT_STEP = {"remission": "maintenance", "response": "discharge"}


def completed_group(seed: int) -> Story:
    rng = Random(f"carepath-demo:{seed}:{COMPLETED}")  # noqa: S311 - synthetic data
    story = Story(COMPLETED, seed, idle_days=rng.randint(14, 28))
    course = GroupCourse(at=ORIGIN + timedelta(hours=rng.choice((10, 14, 17))), sessions=8,
                         capacity=8, leaders=COMPLETED_LEADERS, themes=THEMES)
    story.to(GROUP, course.formed())
    members = enrolled(story, course, rng, count=6, therapists=("t-amara",))
    results = {label: rng.choice(("remission", "remission", "response")) for label in members}
    cancelled = (rng.choice(list(members)), rng.randint(2, 6))
    while course.held < course.sessions:
        number = course.held + 1
        absent: dict[UUID, g.Absence | None] = {
            story.pathway_ids[label]: "late_cancellation"
            for label in members if (label, number) == cancelled}
        story.to(GROUP, course.session(ids(story, members), absent=absent))
        if course.held < course.sessions:
            between_sessions(story, course, members, results)
    story.to(GROUP, course.closed())
    for index, (label, member) in enumerate(members.items()):
        ended(story, course, label, member, index=index, result=results[label])
    return story


def running_group(seed: int) -> Story:
    rng = Random(f"carepath-demo:{seed}:{RUNNING}")  # noqa: S311 - synthetic data
    story = Story(RUNNING, seed, idle_days=rng.randint(1, 3))
    course = GroupCourse(at=ORIGIN + timedelta(hours=rng.choice((10, 14, 17))), sessions=12,
                         capacity=9, leaders=RUNNING_LEADERS, themes=THEMES)
    story.to(GROUP, course.formed())
    members = enrolled(story, course, rng, count=7, therapists=RUNNING_LEADERS)
    results = {label: rng.choice(("remission", "response")) for label in members}
    held = members[HELD_MEMBER]
    while course.held < 6:  # noqa: PLR2004 - half of the twelve
        story.to(GROUP, course.session(ids(story, members)))
        between_sessions(story, course, members, results)
        if course.held == LATE_JOINER_AFTER:
            late_joiner(story, course, rng)
        if course.held == SAFETY_HOLD_AT - 1:  # a PHQ-9 returned with item 9 scored
            held.measure(course.soon(60 * 26), phq9(7, 1, 5))
            story.to(HELD_MEMBER, *held.take())
        if course.held == SAFETY_HOLD_AT:  # seen that afternoon: acknowledged and assessed
            held.writer.at = course.soon(150)
            held.writer.acknowledged(held.writer.flags, risk="low")
            story.to(HELD_MEMBER, *held.take())
    return story


def enrolled(story: Story, course: GroupCourse, rng: Random, *, count: int,
             therapists: tuple[str, ...]) -> dict[str, MemberCourse]:
    """``count`` members assessed and contracted a day apart, each enrolled once contracted;
    their therapists in turn from ``therapists``."""
    formed_at = course.at
    members: dict[str, MemberCourse] = {}
    for number in range(count):
        if number:
            course.later(1)
        label = f"member-{number}"
        members[label] = joining(story, course, rng, label, therapists[number % len(therapists)])
        story.to(GROUP, course.enrolment(story.pathway_ids[label]))
    course.at = formed_at  # the first session a week after the group formed
    return members


def joining(story: Story, course: GroupCourse, rng: Random, label: str,
            therapist: str) -> MemberCourse:
    """A new member's pathway up to the signed contract (the group course's ``member``)."""
    member = course.member(f"demo-{story.seed}-{story.name}-{label}",
                           focus=rng.choice(THEMES), age=rng.randint(19, 70),
                           therapist_id=therapist)
    opening, rest = member.opening()
    story.opened(label, opening)
    story.to(label, *rest)
    return member


def late_joiner(story: Story, course: GroupCourse, rng: Random) -> None:
    """Assessed two days after session 3 and refused: membership has closed (IPT-31)."""
    start = course.at
    course.at += timedelta(days=2)
    joining(story, course, rng, LATE_JOINER, RUNNING_LEADERS[1])
    story.refused(GROUP, course.enrolment(story.pathway_ids[LATE_JOINER]), "IPT-31")
    course.at = start


def between_sessions(story: Story, course: GroupCourse, members: dict[str, MemberCourse],
                     results: dict[str, str]) -> None:
    """After a session: a PHQ-9 every third session, the mid-group meetings after N/2 (spread
    over the next two days)."""
    number = course.held
    for index, (label, member) in enumerate(members.items()):
        if number % MEASURE_EVERY == 0:
            member.measure(course.soon(10), _items(results[label], number, index))
        if number == course.sessions // 2:
            member.meeting("mid_group", _individual_time(course, index))
        story.to(label, *member.take())


def ended(story: Story, course: GroupCourse, label: str, member: MemberCourse, *, index: int,
          result: str) -> None:
    """After the final session: the last PHQ-9 and the post-group meeting, then completion
    (discharged pathways closed a week later)."""
    at = _individual_time(course, index)
    member.measure(at - timedelta(minutes=15), _items(result, course.sessions, index))
    member.meeting("post_group", at)
    member.writer.completed(NEXT_STEP[result], plan_ref=f"doc/relapse-prevention-{label}",
                            minutes=50)
    if NEXT_STEP[result] == "discharge":
        member.writer.closed("discharged")
    story.to(label, *member.take())


def ids(story: Story, members: dict[str, MemberCourse]) -> list[UUID]:
    return [story.pathway_ids[label] for label in members]


def _individual_time(course: GroupCourse, index: int) -> datetime:
    """A member's individual meeting after the latest session: three a day from the next."""
    return course.at + timedelta(days=1 + index // 3, hours=1 + index % 3)


def _items(result: str, session: int, index: int) -> tuple[int, ...]:
    return phq9(Course.towards(BASELINE, result).after(session), 0, index)
