"""The base of every integration event: a closed, frozen pydantic model built from a stored one.

An integration event is what platform teams receive as a CloudEvent's ``data``: codes, ids and
numbers of one catalogue event, never a field about the client (``domain/phi.py``) and never
free text (reasons, rationales, plans, references into the notes store). Each subclass names
the catalogue event it publishes (``publishes``), the aggregate whose stream holds it
(``aggregate``) and where its schema stands:

- ``version``: the version of its JSON Schema (``schemas/events/<Name>/v<version>.json``);
  every change of the model's schema is a new version, and published files never change;
- ``major``: the first version of its compatible line; it is part of the CloudEvents ``type``
  (``org.carepath.pathway.SessionHeld.v1``). Versions of one line are backward compatible
  (``services.integration.compatibility``); an incompatible change starts a new line
  (``major = version``), so its type changes and no consumer receives it unawares.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

TYPE_PREFIX = "org.carepath"


class IntegrationEvent(BaseModel):
    """Codes, ids and numbers of one stored event, for platform teams."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    publishes: ClassVar[type[Any]]
    """The catalogue event (``domain.<aggregate>.events``) this one publishes."""
    aggregate: ClassVar[str] = "pathway"
    version: ClassVar[int] = 1
    major: ClassVar[int] = 1

    @classmethod
    def name(cls) -> str:
        """The event's name, the catalogue event's (``SessionHeld``)."""
        name: str = cls.publishes.__name__
        return name

    @classmethod
    def cloudevents_type(cls) -> str:
        """``org.carepath.<aggregate>.<Name>.v<major>``: what consumers subscribe to."""
        return f"{TYPE_PREFIX}.{cls.aggregate}.{cls.name()}.v{cls.major}"

    @classmethod
    def from_event(cls, event: Any) -> Self:
        """The integration event of a stored one: ``fields_of`` it, validated."""
        return cls.model_validate(cls.fields_of(event))

    @classmethod
    def fields_of(cls, event: Any) -> dict[str, Any]:
        """The stored event's values of this model's fields, by name. A model that reshapes
        a value (drops a nested PHI field, splits a code) overrides this, not ``from_event``:
        the HTTP feed's fast path (``services/feed/rows.py``) runs ``fields_of`` over the
        stored JSON without a validating round trip."""
        return {name: getattr(event, name) for name in cls.model_fields}
