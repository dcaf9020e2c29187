"""Seed the demo's groups and couple through the application, after the numbered caseload.

Every step goes to ``Groups`` or ``Pathways`` as a clinic's command would (the seeder is a
trusted caller), so every rule is decided, a group session on the group and every member's
pathway in one transaction. A step written to be refused must be refused under its rule: the
refusal is kept for the summary (it records nothing, so a re-run is refused the same way). Any
other refusal is a bug in the generator and propagates with a note naming the story and step.
Idempotent like the numbered caseload: a re-run on the same store sends the same commands under
the same keys, and the application answers each from its first answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors import CommandRejected, RuleViolation
from domain.group import commands as g
from domain.pathway import commands as c
from services.demo.couple import couple_story
from services.demo.formats_summary import FormatsSummary, Refusal, summarise_formats
from services.demo.groups import completed_group, running_group
from services.demo.seed import DemoConflict, _anchor_day
from services.demo.story import GROUP, Step, Story
from services.errors import IdempotencyKeyReused

if TYPE_CHECKING:
    from services.application import Pathways
    from services.groups import Groups


@dataclass
class StoryRun:
    """What sending one story did."""

    story: Story
    group_id: UUID | None = None
    refusals: list[Refusal] = field(default_factory=list)
    commands: int = 0
    recorded: int = 0
    replayed: int = 0


def stories(seed: int) -> tuple[Story, ...]:
    """The plans: a pure function of the seed."""
    return completed_group(seed), running_group(seed), couple_story(seed)


def seed_formats(pathways: Pathways, groups: Groups, *, seed: int = 7) -> FormatsSummary:
    """Seed the groups and the couple (idempotently) on the numbered caseload's anchor day,
    and summarise them as the store then holds them."""
    started = time.perf_counter()
    anchor = _anchor_day(pathways, seed)
    runs = [run_story(pathways, groups, story, anchor) for story in stories(seed)]
    return summarise_formats(pathways, groups, runs, seconds=time.perf_counter() - started)


def run_story(pathways: Pathways, groups: Groups, story: Story, anchor: date) -> StoryRun:
    run = StoryRun(story)
    for index, step in enumerate(story.shifted(anchor)):
        caller = story.caller(index)
        try:
            recorded, replayed = _send(pathways, groups, run, step, index)
        except IdempotencyKeyReused as error:
            msg = (f"the store already holds a different demo command under key"
                   f" {caller.idempotency_key!r} (seeded by another version of the demo"
                   " generator): seed into an empty data directory")
            raise DemoConflict(msg) from error
        except RuleViolation as error:
            if error.rule != step.refused_under:
                _note(error, story, index, step)
                raise
            run.refusals.append(Refusal(story.name, type(step.command).__name__,
                                        getattr(step.command, "pathway_id", None), error.rule,
                                        error.sentence))
            continue
        except CommandRejected as error:
            _note(error, story, index, step)
            raise
        if step.refused_under is not None:
            msg = (f"demo story {story.name} step {index}: {type(step.command).__name__} was"
                   f" written to be refused under {step.refused_under}, and was accepted")
            raise RuntimeError(msg)
        run.commands += 1
        run.recorded += 0 if replayed else recorded
        run.replayed += replayed
    return run


def _send(pathways: Pathways, groups: Groups, run: StoryRun, step: Step,
          index: int) -> tuple[int, bool]:
    """Send one step: (events recorded, whether it was answered as a replay)."""
    story, command, caller = run.story, step.command, run.story.caller(index)
    if step.target == GROUP:
        if isinstance(command, g.FormGroup):
            formed = groups.form(command, caller)
            run.group_id = formed.group_id
            return len(formed.events), formed.replayed
        if run.group_id is None:
            msg = f"demo story {story.name} sends to its group before forming it"
            raise TypeError(msg)
        result = groups.execute(run.group_id, command, caller)
        return len(result.events) + sum(len(m.events) for m in result.members), result.replayed
    if isinstance(command, c.OpenPathway):
        opened = pathways.open_pathway(command, caller)
        if opened.pathway_id != story.pathway_ids[step.target]:
            msg = f"demo story {story.name}: {step.target} opened under another id"
            raise RuntimeError(msg)
        return len(opened.events), opened.replayed
    done = pathways.execute(story.pathway_ids[step.target], command, caller)
    return len(done.events), done.replayed


def _note(error: CommandRejected, story: Story, index: int, step: Step) -> None:
    error.add_note(f"demo story {story.name} step {index} ({step.target}):"
                   f" {type(step.command).__name__} {step.command.model_dump_json()}")
