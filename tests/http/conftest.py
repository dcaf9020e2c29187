"""Fixtures for the API tests.

FastAPI prepares its routes on an application's first request (a few hundred milliseconds for
this API), so tests share one application per module and each opens its own pathway; a test
that needs an empty store asks for ``fresh_client``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http.support import Api, TestClient, make_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("data")) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path / "data") as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
