"""The published OpenAPI document, fuzzed against the live application: no 5xx, no surprises.

Every operation gets schema-driven cases, valid and deliberately invalid; then journeys follow
the document's links from ``POST /pathways`` into the routes under ``/pathways/{pathway_id}``.
Each answer must be documented: its status code, media type, headers and body schema.
``positive_data_acceptance`` is left out on purpose: a command the schema allows may still
break a clinical rule, and then 422 is the right answer.

Run with ``-s`` to see the tally (cases, 5xx, and the answers the journeys got).
``CAREPATH_SCHEMATHESIS_EXAMPLES`` sets the number of valid cases per operation and of journeys
(default 30; invalid cases get half). Generating a case costs more than serving it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.formats import unregister_string_format

from services.composition import bootstrap
from services.http import create_app
from services.settings import load_settings
from tests.journeys import NOW
from tests.tokens import token

Case = schemathesis.Case[Any]
EXAMPLES = int(os.environ.get("CAREPATH_SCHEMATHESIS_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
EXCLUDED: list[CheckFunction] = [positive_data_acceptance]
TALLY: Counter[str] = Counter()


def record(response: Any, case: Case, phase: str) -> None:
    TALLY["cases"] += 1
    TALLY[f"{phase} {response.status_code // 100}xx"] += 1
    if phase == "journeys" and response.status_code < 300:
        TALLY[f"recorded {case.operation.label}"] += 1


def report() -> str:
    recorded = sorted(label for label in TALLY if label.startswith("recorded "))
    statuses = {k: v for k, v in sorted(TALLY.items()) if k[-2:] == "xx"}
    server_errors = sum(v for k, v in statuses.items() if k.endswith("5xx"))
    return (f"schemathesis: {TALLY['cases']} cases, {server_errors} answered 5xx; {statuses};"
            f" journeys recorded on {len(recorded)} operations: {recorded}")


def without_lifespan(app: Any) -> Any:
    """The application with its lifespan left to the fixture: the fuzzer's client would run
    the shutdown (and close the store) after the first test."""

    async def application(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return application


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    container = bootstrap(load_settings(data_dir=tmp_path_factory.mktemp("schemathesis")),
                          clock=lambda: NOW)
    # Only the document's own links: inferred ones (``therapist_id`` read as the key of a
    # "Therapist" resource nobody creates) would demote ``POST /pathways`` as a start.
    # Signed in as an admin, whom every operation serves; ``ignored_auth`` then checks that
    # each operation the document secures refuses a request without the token.
    config = schemathesis.Config.from_dict(
        {"auth": {"openapi": {"bearer": {"bearer": token("admin", "fuzz-admin")}}},
         "phases": {"stateful": {"inference": {"algorithms": []},
                                 "generation": {"mode": "positive"}}}})
    container.start_projections()  # the read models follow the log, as under `serve`
    try:
        # The event stream never ends by itself (tests/feed/test_stream.py drives it over a
        # real server); the fuzzer's in-process client would wait for its end.
        yield schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(
            create_app(container)), config=config).exclude(path="/events/stream")
    finally:
        container.close()
        print("\n" + report())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_every_operation_answers_as_documented(api_schema: Any, mode: GenerationMode) -> None:
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(FUZZ, max_examples=EXAMPLES if mode is GenerationMode.POSITIVE
                  else max(EXAMPLES // 2, 1))
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case: Case) -> None:
            response = case.call()
            record(response, case, mode.value)
            case.validate_response(response, excluded_checks=EXCLUDED)

        try:
            answers_as_documented()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to make invalid
        except Exception as failure:
            failure.add_note(f"operation: {operation.label} ({mode.value} data)")
            raise


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
PAST_TIMES = st.datetimes(min_value=datetime(2024, 1, 1), max_value=NOW.replace(tzinfo=None),
                          timezones=ZONES).map(lambda moment: moment.isoformat())
PAST_DATES = st.dates(min_value=datetime(2024, 1, 1).date(), max_value=NOW.date()).map(
    lambda day: day.isoformat())


@pytest.fixture
def clinical_times_of_the_last_years() -> Iterator[None]:
    """Journeys with times from 1900 to 9999 would mostly be refused as "in the future"."""
    schemathesis.openapi.format("date-time", PAST_TIMES)
    schemathesis.openapi.format("date", PAST_DATES)
    try:
        yield
    finally:
        unregister_string_format("date-time")
        unregister_string_format("date")


@pytest.mark.usefixtures("clinical_times_of_the_last_years")
def test_journeys_from_an_opened_pathway_answer_as_documented(api_schema: Any) -> None:
    class Journeys(api_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            # A key the fuzzer repeats with another body is rightly refused (422); a journey
            # wants its steps recorded, so each step gets a key from the server.
            if case.headers:
                case.headers.pop("Idempotency-Key", None)

        def after_call(self, response: Any, case: Case) -> None:
            super().after_call(response, case)
            record(response, case, "journeys")

        def validate_response(self, response: Any, case: Case,
                              additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=EXCLUDED,
                                   transport_kwargs=kwargs or None)

    Journeys.run(settings=settings(FUZZ, stateful_step_count=10))
    assert TALLY["recorded POST /pathways"] > 0, report()
