"""The named types of domain.md (``domain/vocabulary.py``): each a Literal, each list of words
the same as its type, and events that still read and write plain strings."""

from __future__ import annotations

from typing import get_args, get_type_hints

import pytest

from domain import vocabulary as v
from domain.pathway import events as e
from tests.rules_kit import in_maintenance


@pytest.mark.parametrize(("words", "named_type"), [
    (v.PHASES, v.Phase), (v.OUTCOMES, v.Outcome)])
def test_each_list_of_words_is_its_named_type(words: tuple[str, ...], named_type: object
                                               ) -> None:
    assert words == get_args(named_type)


@pytest.mark.parametrize(("subset", "named_type"), [
    (v.ACUTE_COURSE, v.Phase), (v.AFTER_COMPLETION, v.Phase), (v.NON_RESPONSE, v.Outcome),
    (v.NON_RESPONDER_STEPS, v.NextStep), (v.REMOTE_CHANNELS, v.Channel)])
def test_each_set_of_words_belongs_to_its_type(subset: frozenset[str], named_type: object
                                               ) -> None:
    assert subset <= set(get_args(named_type))


def test_events_carry_the_named_types_as_plain_strings() -> None:
    j = in_maintenance().session()
    held = next(ev for ev in reversed(j.pathway.pending_events) if isinstance(ev, e.SessionHeld))

    assert get_type_hints(e.SessionHeld)["phase"] == v.Phase
    assert (type(held.phase), held.phase, held.kind) == (str, "maintenance", "routine")
