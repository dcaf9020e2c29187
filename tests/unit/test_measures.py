"""Scoring of PHQ-9, GAD-7 and HAM-D-17 and the acute outcome (domain.md section 5).

Totals are computed from items, never trusted from input; every expected value below is computed
by hand.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.errors import InvalidCommand
from domain.measures import band, improvement, in_remission, outcome, score
from domain.pathway import commands as c
from tests.journeys import Journey

HAMD17_ITEM_MAX = {1: 4, 2: 4, 3: 4, 4: 2, 5: 2, 6: 2, 7: 4, 8: 4, 9: 4, 10: 4, 11: 4, 12: 2,
                   13: 2, 14: 2, 15: 4, 16: 2, 17: 2}


def items_totalling(total: int, item_max: list[int]) -> tuple[int, ...]:
    """Fill items in order up to their maxima until they add up to ``total``."""
    items = []
    for highest in item_max:
        value = min(highest, total)
        items.append(value)
        total -= value
    assert total == 0
    return tuple(items)


def hamd17(total: int) -> tuple[int, ...]:
    return items_totalling(total, list(HAMD17_ITEM_MAX.values()))


# ----- PHQ-9 ----------------------------------------------------------------------------------


def test_phq9_total_is_the_sum_of_its_nine_items() -> None:
    result = score("phq9", (3, 3, 3, 3, 3, 3, 2, 0, 0))

    assert result.total == 20
    assert result.band == "severe"
    assert result.items == (3, 3, 3, 3, 3, 3, 2, 0, 0)


@pytest.mark.parametrize(("items", "total", "expected"), [
    ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
    ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal"),
    ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
    ((1, 1, 1, 1, 1, 1, 1, 1, 1), 9, "mild"),
    ((2, 1, 1, 1, 1, 1, 1, 1, 1), 10, "moderate"),
    ((2, 2, 2, 2, 2, 2, 1, 1, 0), 14, "moderate"),
    ((2, 2, 2, 2, 2, 2, 2, 1, 0), 15, "moderately_severe"),
    ((3, 3, 3, 3, 3, 2, 2, 0, 0), 19, "moderately_severe"),
    ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
    ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe"),
])
def test_phq9_bands_change_at_5_10_15_and_20(items: tuple[int, ...], total: int,
                                             expected: str) -> None:
    result = score("phq9", items)

    assert (result.total, result.band) == (total, expected)


# ----- GAD-7 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("items", "total", "expected"), [
    ((0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
    ((1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
    ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
    ((2, 2, 2, 1, 1, 1, 0), 9, "mild"),
    ((2, 2, 2, 1, 1, 1, 1), 10, "moderate"),
    ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
    ((3, 2, 2, 2, 2, 2, 2), 15, "severe"),
    ((3, 3, 3, 3, 3, 3, 3), 21, "severe"),
])
def test_gad7_bands_change_at_5_10_and_15(items: tuple[int, ...], total: int,
                                         expected: str) -> None:
    result = score("gad7", items)

    assert (result.total, result.band) == (total, expected)


# ----- HAM-D-17 -------------------------------------------------------------------------------


def test_hamd17_maximum_is_52_with_every_item_at_its_own_maximum() -> None:
    result = score("hamd17", tuple(HAMD17_ITEM_MAX.values()))

    assert result.total == 52
    assert result.band == "very_severe"


@pytest.mark.parametrize("item", [4, 5, 6, 12, 13, 14, 16, 17])
def test_hamd17_items_scored_0_to_2_refuse_a_3(item: int) -> None:
    items = [0] * 17
    items[item - 1] = 2
    assert score("hamd17", tuple(items)).total == 2

    items[item - 1] = 3
    with pytest.raises(InvalidCommand) as info:
        score("hamd17", tuple(items))

    assert info.value.field == f"items[{item - 1}]"


@pytest.mark.parametrize("item", [1, 2, 3, 7, 8, 9, 10, 11, 15])
def test_hamd17_items_scored_0_to_4_refuse_a_5(item: int) -> None:
    items = [0] * 17
    items[item - 1] = 4
    assert score("hamd17", tuple(items)).total == 4

    items[item - 1] = 5
    with pytest.raises(InvalidCommand) as info:
        score("hamd17", tuple(items))

    assert info.value.field == f"items[{item - 1}]"


@pytest.mark.parametrize(("total", "expected"), [
    (0, "normal"), (7, "normal"), (8, "mild"), (13, "mild"), (14, "moderate"),
    (18, "moderate"), (19, "severe"), (22, "severe"), (23, "very_severe"), (52, "very_severe"),
])
def test_hamd17_bands_change_at_8_14_19_and_23(total: int, expected: str) -> None:
    result = score("hamd17", hamd17(total))

    assert (result.total, result.band) == (total, expected)
    assert band("hamd17", total) == expected


# ----- invalid item scores --------------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "count"), [
    ("phq9", 8), ("phq9", 10), ("gad7", 6), ("gad7", 9), ("hamd17", 16), ("hamd17", 9),
])
def test_the_wrong_number_of_items_is_refused_naming_the_items(instrument: str,
                                                               count: int) -> None:
    with pytest.raises(InvalidCommand) as info:
        score(instrument, (0,) * count)

    assert info.value.field == "items"


@pytest.mark.parametrize(("instrument", "items", "item"), [
    ("phq9", (0, 0, 0, 4, 0, 0, 0, 0, 0), 4),
    ("phq9", (0, 0, 0, 0, 0, 0, 0, 0, -1), 9),
    ("gad7", (0, 0, 0, 0, 0, 0, 4), 7),
    ("gad7", (-1, 0, 0, 0, 0, 0, 0), 1),
])
def test_an_item_score_out_of_range_is_refused_naming_the_item(
        instrument: str, items: tuple[int, ...], item: int) -> None:
    with pytest.raises(InvalidCommand) as info:
        score(instrument, items)

    assert info.value.field == f"items[{item - 1}]"


def test_an_unknown_instrument_is_refused() -> None:
    with pytest.raises(InvalidCommand) as info:
        score("bdi2", (0,) * 21)

    assert info.value.field == "instrument"


# ----- measures recorded on a pathway ---------------------------------------------------------


def recorded(j: Journey, version: int) -> list[Any]:
    return [event for event in j.pathway.pending_events if event.originator_version > version]


def test_a_recorded_measure_carries_the_total_and_band_computed_from_its_items() -> None:
    j = Journey()
    version = j.pathway.version

    j.measure((3, 3, 3, 3, 3, 3, 2, 0, 0))

    (event,) = recorded(j, version)
    assert type(event).__name__ == "MeasureRecorded"
    assert (event.instrument, event.total, event.band) == ("phq9", 20, "severe")


def test_the_first_measure_is_the_baseline_and_later_ones_are_not() -> None:
    j = Journey()
    version = j.pathway.version

    j.measure((2, 2, 2, 2, 1, 1, 1, 1, 0), instrument="phq9")
    j.measure((1, 1, 1, 1, 1, 1, 1, 1, 0), instrument="phq9")
    j.measure((1, 1, 1, 1, 1, 1, 1), instrument="gad7")

    assert [event.baseline for event in recorded(j, version)] == [True, False, False]
    assert j.state.baseline.total == 12


def test_a_total_is_never_taken_from_the_caller() -> None:
    with pytest.raises(ValidationError):
        c.RecordMeasure(occurred_at=Journey().at, instrument="phq9", items=(0,) * 9,
                        total=27)  # type: ignore[call-arg]


@pytest.mark.parametrize(("instrument", "items", "field"), [
    ("phq9", (0,) * 8, "items"),
    ("hamd17", (0, 0, 0, 3) + (0,) * 13, "items[3]"),
])
def test_an_invalid_measure_is_refused_and_nothing_is_recorded(
        instrument: str, items: tuple[int, ...], field: str) -> None:
    j = Journey()
    version = j.pathway.version

    with pytest.raises(InvalidCommand) as info:
        j.measure(items, instrument=instrument)

    assert info.value.field == field
    assert j.pathway.version == version
    assert j.state.measures == []


# ----- outcome at the end of the acute course -------------------------------------------------


@pytest.mark.parametrize(("instrument", "baseline", "final", "expected"), [
    ("phq9", 20, 4, "remission"),
    ("phq9", 20, 5, "response"),  # 75% better but not under 5
    ("phq9", 20, 10, "response"),  # exactly 50%
    ("phq9", 20, 11, "partial"),  # 45%
    ("phq9", 27, 14, "partial"),  # 48%
    ("phq9", 20, 15, "partial"),  # exactly 25%
    ("phq9", 20, 16, "none"),  # 20%
    ("phq9", 12, 14, "none"),  # worse
    ("gad7", 15, 4, "remission"),
    ("gad7", 15, 7, "response"),  # 53%
    ("gad7", 15, 11, "partial"),  # 27%
    ("gad7", 15, 12, "none"),  # 20%
    ("hamd17", 24, 7, "remission"),
    ("hamd17", 24, 8, "response"),  # 67% but over 7
    ("hamd17", 24, 13, "partial"),  # 46%
    ("hamd17", 24, 19, "none"),  # 21%
])
def test_outcome_is_remission_response_partial_or_none(instrument: str, baseline: int,
                                                       final: int, expected: str) -> None:
    assert outcome(instrument, baseline, final) == expected


@pytest.mark.parametrize(("instrument", "baseline", "final"), [
    ("phq9", 5, 4),  # a 20% drop, but under the cut-off
    ("gad7", 6, 4),  # 33%
    ("hamd17", 10, 7),  # 30%
    ("hamd17", 7, 7),  # no change at all
])
def test_remission_takes_precedence_over_the_size_of_the_drop(instrument: str, baseline: int,
                                                              final: int) -> None:
    assert outcome(instrument, baseline, final) == "remission"


@pytest.mark.parametrize(("instrument", "highest_remission"), [
    ("phq9", 4), ("gad7", 4), ("hamd17", 7),
])
def test_remission_cut_offs(instrument: str, highest_remission: int) -> None:
    assert in_remission(instrument, highest_remission)
    assert not in_remission(instrument, highest_remission + 1)


def test_a_zero_baseline_cannot_improve() -> None:
    assert improvement(0, 0) == 0.0
    assert improvement(0, 6) == 0.0
    assert outcome("phq9", 0, 0) == "remission"
    assert outcome("phq9", 0, 6) == "none"


def test_improvement_is_the_fractional_drop_from_baseline() -> None:
    assert improvement(20, 10) == 0.5
    assert improvement(12, 9) == 0.25
    assert improvement(10, 12) == pytest.approx(-0.2)
