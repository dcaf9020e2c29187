"""The README's broker-command example, sent as written to the real NATS: each request is the
shell's own ``printf`` of the README's text with a token from ``carepath issue-token``; the
pathway it opens is recorded as the token's therapist, and the other requests are understood
(token verified, body valid) and refused only for what their example ids and version are not.
The request shape the README used to show, with an ``actor`` and no token, is refused."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from services.cli import main
from services.composition import bootstrap
from services.settings import load_settings
from tests.broker.support import NATS_URL, answering, new_names, reachable, run

README = Path(__file__).parents[2] / "README.md"
MARKER = "<!-- broker-command-example -->"
REQUEST = re.compile(r'nats request carepath\.commands\.(\w+) "\$\((printf .*?)\)"\n', re.S)
PATHWAY, GROUP = "3f2b0c1e-...", "9a4d..."


def example() -> str:
    after = README.read_text(encoding="utf-8").split(MARKER, 1)[1]
    found = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert found is not None, "the README has no broker-command example"
    return found.group(1)


def requests(token: str) -> list[tuple[str, dict[str, Any]]]:
    """Each request of the example: its command, and the JSON the shell's printf makes."""
    made = []
    for command, printf in REQUEST.findall(example()):
        printed = subprocess.run(  # noqa: S603 - the README's own printf, run by bash
            ["/bin/bash", "-c", printf.replace("\\\n", " ")], check=True, capture_output=True,
            env={"PATH": os.environ.get("PATH", ""), "THERAPIST": token})
        made.append((command, orjson.loads(printed.stdout)))
    return made


def issued_token(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The example's first line: ``carepath issue-token --role therapist --subject t-amara``."""
    line = example().splitlines()[0]
    assert line == "export THERAPIST=$(carepath issue-token --role therapist --subject t-amara)"
    arguments = line.split("$(carepath ", 1)[1].rstrip(")").split()
    capsys.readouterr()
    assert main([*arguments, "--data-dir", str(data_dir)]) == 0
    return capsys.readouterr().out.strip()


def with_ids(request: dict[str, Any], pathway: str) -> bytes:
    """The request with the example's elided ids made real: the pathway opened, a group
    that does not exist."""
    text = orjson.dumps(request).decode()
    return text.replace(PATHWAY, pathway).replace(GROUP, str(uuid4())).encode()


def test_the_readme_broker_command_example_runs_against_nats(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reachable(NATS_URL)
    data_dir = tmp_path / "data"
    container = bootstrap(load_settings(data_dir=data_dir, broker_url=NATS_URL,
                                        broker_prefix=new_names().prefix))
    token = issued_token(data_dir, capsys)
    (opening, open_request), *others = requests(token)
    assert opening == "open_pathway"
    assert all(request["token"] == token for _, request in [(opening, open_request), *others])

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        async with answering("nats", container) as ask:
            opened = await ask(opening, open_request)
            answers = [await ask(command, with_ids(request, opened.get("pathway_id", "")))
                       for command, request in others]
            old_shape = {key: value for key, value in open_request.items() if key != "token"}
            refused = await ask(opening, {**old_shape, "actor": {"id": "t-amara",
                                                                 "role": "therapist"}})
            return opened, answers, refused

    try:
        opened, answers, refused = run(scenario())
        events = list(container.pathways.repository.event_store.get(
            UUID(opened["pathway_id"])))
    finally:
        container.close()
    assert (opened["status"], opened["version"]) == (201, 1), opened
    assert [(e.meta.actor_id, e.meta.actor_role) for e in events] == [  # type: ignore[attr-defined]
        ("t-amara", "therapist")]
    assert [(c, a["status"], a["type"]) for (c, _), a in zip(others, answers, strict=True)] == [
        ("hold_session", 412, "urn:carepath:problem:version-mismatch"),
        ("hold_group_session", 404, "urn:carepath:problem:group-not-found")]
    assert (refused["status"], refused["type"]) == (422, "urn:carepath:problem:invalid-request")
    assert {error["field"] for error in refused["errors"]} == {"body.token", "body.actor"}
