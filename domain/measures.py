"""Scoring of PHQ-9, GAD-7 and HAM-D-17 (domain.md section 5).

Totals are computed from item scores, never trusted from input.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidCommand
from domain.vocabulary import NO_RESPONSE, PARTIAL, PHQ9, REMISSION, RESPONSE, Instrument, Outcome

# HAM-D-17 items 4-6, 12-14, 16 and 17 are scored 0-2; the others 0-4 (maximum total 52).
_HAMD17_ITEM_MAX = (4, 4, 4, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 4, 2, 2)


@dataclass(frozen=True)
class Scale:
    """How one instrument is scored: item maxima, severity bands, the remission cut-off."""

    name: Instrument
    item_max: tuple[int, ...]
    bands: tuple[tuple[int, str], ...]
    """(lowest total, band name), ascending."""
    remission_at_most: int
    loinc_total: str | None = None


SCALES: dict[str, Scale] = {
    PHQ9: Scale(
        name="phq9", item_max=(3,) * 9, remission_at_most=4, loinc_total="44261-6",
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately_severe"),
               (20, "severe")),
    ),
    "gad7": Scale(
        name="gad7", item_max=(3,) * 7, remission_at_most=4, loinc_total="70274-6",
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
    ),
    "hamd17": Scale(
        name="hamd17", item_max=_HAMD17_ITEM_MAX, remission_at_most=7,
        bands=((0, "normal"), (8, "mild"), (14, "moderate"), (19, "severe"),
               (23, "very_severe")),
    ),
}

PHQ9_SEVERE = 20
PHQ9_RECURRENCE = 10
PHQ9_SUICIDE_ITEM = 9
PHQ9_URGENT_ITEM9 = 2
RESPONSE_DROP = 0.5
PARTIAL_DROP = 0.25


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    items: tuple[int, ...]
    total: int
    band: str


def scale(name: str) -> Scale:
    found = SCALES.get(name)
    if found is None:
        raise InvalidCommand("instrument", f"unknown instrument {name!r} (known: "
                             f"{', '.join(SCALES)}; BDI-II is licensed and not shipped)")
    return found


def score(name: str, items: tuple[int, ...] | list[int]) -> Score:
    """Validate item scores against the instrument and compute the total and severity band."""
    spec = scale(name)
    if len(items) != len(spec.item_max):
        raise InvalidCommand("items", f"{name} has {len(spec.item_max)} items, got {len(items)}")
    for number, (value, highest) in enumerate(zip(items, spec.item_max, strict=True), start=1):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= highest:
            raise InvalidCommand(f"items[{number - 1}]", f"{name} item {number} is scored"
                                 f" 0-{highest},"
                                 f" got {value!r}")
    total = sum(items)
    return Score(instrument=spec.name, items=tuple(items), total=total, band=band(name, total))


def band(name: str, total: int) -> str:
    chosen = "minimal"
    for lowest, label in scale(name).bands:
        if total >= lowest:
            chosen = label
    return chosen


def in_remission(name: str, total: int) -> bool:
    return total <= scale(name).remission_at_most


def improvement(baseline: int, latest: int) -> float:
    """Fractional drop from baseline (0.5 = halved). A zero baseline cannot improve."""
    if baseline <= 0:
        return 0.0
    return (baseline - latest) / baseline


def outcome(name: str, baseline: int, final: int) -> Outcome:
    """remission (takes precedence), response (>= 50%), partial (25-49%) or none (< 25%)."""
    if in_remission(name, final):
        return REMISSION
    drop = improvement(baseline, final)
    if drop >= RESPONSE_DROP:
        return RESPONSE
    if drop >= PARTIAL_DROP:
        return PARTIAL
    return NO_RESPONSE
