"""The one list of fields that identify or describe a client (``domain/phi.py``).

The relay, encryption and exports read ``phi_paths``; these specifications pin what it lists,
so a new field about the client cannot be added without deciding whether it is marked.
"""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel

from domain.pathway import events as e
from domain.phi import PHI, phi_paths
from domain.values import Relationship, Signature

EXPECTED = {
    "PathwayOpened": ("client_ref", "client_age", "partner_ref"),
    "InventoryRecorded": ("relationships[].alias", "relationships[].relation"),
    "FocusChosen": ("pattern_summary",),
    "ContractSigned": ("signatures[].signed_by",),
}


@pytest.mark.parametrize("event_class", e.CATALOGUE, ids=lambda cls: cls.__name__)
def test_every_event_lists_exactly_its_phi_paths(event_class: type[e.PathwayEvent]) -> None:
    assert phi_paths(event_class) == EXPECTED.get(event_class.__name__, ())


def test_an_event_about_no_client_detail_has_no_phi() -> None:
    assert phi_paths(e.SessionHeld) == ()
    assert phi_paths(e.SafetyFlagAcknowledged) == ()


def test_a_relationship_alias_is_found_inside_the_inventory() -> None:
    assert "relationships[].alias" in phi_paths(e.InventoryRecorded)


def test_value_models_carry_their_own_marks() -> None:
    assert phi_paths(Relationship) == ("alias", "relation")
    assert phi_paths(Signature) == ("signed_by",)


def test_the_catalogue_keeps_one_list_by_event_name() -> None:
    assert EXPECTED == e.PHI_PATHS


class Inner(BaseModel):
    name: Annotated[str, PHI]
    note: str


class Outer(BaseModel):
    who: Annotated[str, PHI] | None
    pairs: tuple[tuple[Inner, int], ...]
    inner: Inner | None
    plain: int


def test_optional_and_nested_marks_are_followed() -> None:
    assert phi_paths(Outer) == ("who", "pairs[][].name", "inner.name")


def test_the_mark_changes_neither_validation_nor_the_schema() -> None:
    relationship = Relationship(alias="J.", relation="friend", closeness=2, quality="distant")

    assert relationship.model_dump()["alias"] == "J."
    assert "x-phi" not in str(Relationship.model_json_schema())
    with pytest.raises(ValueError, match="at least 1 character"):
        Relationship(alias="", relation="friend", closeness=2, quality="distant")
