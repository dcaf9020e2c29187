"""A real server with the demo caseload, driven by a real headless Chromium.

The browser is the system's (Debian's ``chromium``, which ``.ci/run`` installs), launched by
Playwright through its executable path: nothing is downloaded. Without a browser these tests
skip on a developer's machine and fail in CI (``CI=true``), where a skipped browser suite
would hide a broken dashboard.

The server is ``carepath serve --demo`` on a free port in a process of its own, so the page
is read exactly as ``make run`` serves it (the read models' workers running inside ``serve``),
with the development token secret it made in its data directory: the tests sign their tokens
with it, and a page is signed in as the login page would (its cookie) or through the login
page itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from bench.api import free_port
from services.access.keys import DEVELOPMENT_ISSUER, development_secret
from services.access.principal import Role
from services.access.tokens import TokenRules, issue_token
from services.http.auth.guard import COOKIE
from services.http.auth.reading import PURPOSE_COOKIE

SCREENSHOTS = Path(__file__).parent / "screenshots"
BROWSER_ENV = "CAREPATH_CHROMIUM"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
START_SECONDS = 90


def chromium_path() -> str | None:
    """``$CAREPATH_CHROMIUM``, else the first Chromium on the PATH (Debian's first)."""
    chosen = os.environ.get(BROWSER_ENV)
    if chosen:
        return chosen if Path(chosen).exists() else shutil.which(chosen)
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = (f"no Chromium found (looked for {', '.join(CANDIDATES)}): install Debian's"
                  f" chromium package, or set {BROWSER_ENV} to a Chromium executable")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires the browser tests. {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@dataclass(frozen=True)
class Server:
    base: str
    data_dir: Path

    def token(self, role: Role = "admin", subject: str = "browser-admin",
              therapists: tuple[str, ...] = ()) -> str:
        """A token the server accepts: signed with its development secret."""
        secret = development_secret(self.data_dir)
        rules = TokenRules(issuer=DEVELOPMENT_ISSUER, audience="carepath", algorithm="HS256",
                           key=secret)
        return issue_token(rules, secret, subject=subject, role=role, therapists=therapists)

    def headers(self, role: Role = "admin", subject: str = "browser-admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject)}"}

    def get(self, path: str, **params: str) -> httpx.Response:
        """GET as an admin, whom every route serves (the pages show what their reader may),
        stating a purpose, which a logged read needs (other routes ignore it)."""
        return httpx.get(f"{self.base}{path}", params={"purpose": "browser test", **params},
                         timeout=10, headers=self.headers())

    def sign_in(self, page: Page, role: Role, subject: str, purpose: str | None = None) -> None:
        """Sign ``page`` in as the login page does: its cookie, holding a token; with a
        ``purpose``, as if stated on the audit page's index."""
        cookies = [{"name": COOKIE, "value": self.token(role, subject), "url": self.base}]
        if purpose is not None:
            cookies.append({"name": PURPOSE_COOKIE, "value": purpose, "url": self.base})
        page.context.add_cookies(cookies)  # type: ignore[arg-type]


def _wait_until_serving(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()[-3000:]}", pytrace=False)
        try:
            httpx.get(f"{base}/health", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {log.read_text()[-3000:]}",
                            pytrace=False)
            time.sleep(0.2)


@pytest.fixture(scope="session")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``carepath serve --demo`` on a free 127.0.0.1 port, stopped after the session."""
    del chromium  # no browser, no server: the tests would skip or fail anyway
    data_dir = tmp_path_factory.mktemp("dashboard-data")
    port = free_port()
    log = data_dir / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREPATH_")}
    code = "import sys; from services.cli import main; sys.exit(main(sys.argv[1:]))"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", code, "serve", "--demo", "--host", "127.0.0.1", "--port",
             str(port), "--data-dir", str(data_dir), "--no-access-log"],
            env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(process, base, log)
        yield Server(base, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Module scope, not session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and later tests that call asyncio.run() would find it.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium, headless=True)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  locale="en-GB", timezone_id="UTC")
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
