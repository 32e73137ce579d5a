"""Real-browser harness: Debian's Chromium driven by Playwright, against a real HTTP server.

Every page a test visits must pass axe-core's WCAG 2.1 A/AA rules and fit a 360 px screen;
no request may go to another origin. Without Chromium these tests skip, unless
AULA_REQUIRE_BROWSER is set, in which case they fail.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("AULA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            # The server answers in its own threads, on connections of its own.
            item.add_marker(pytest.mark.commits)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("AULA_REQUIRE_BROWSER"):
            pytest.fail(reason + "; AULA_REQUIRE_BROWSER is set")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free loopback port by a threaded WSGI server."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


#: One round trip per page: axe-core's WCAG 2.1 A/AA rules (violations only: passes are not
#: sent back), scripts that are inline or not our own static files, and sideways overflow;
#: null where axe-core is missing.
CHECK = """async tags => {
  if (typeof axe !== "object") return null;
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return {
    violations: results.violations.map(v => ({
      id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html),
    })),
    foreign: [...document.scripts].filter(s => !s.src || new URL(s.src).origin !== location.origin
      || !new URL(s.src).pathname.startsWith("/static/")).length,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


class Visit:
    """A phone-sized browser tab that records every page it shows and checks each one."""

    def __init__(self, context, base_url: str):
        self.base_url = base_url
        # axe-core is in every document from its start, so each check only runs it.
        context.add_init_script(script=AXE_SCRIPT)
        self.page = context.new_page()
        self.visited: set[str] = set()
        self.checked: set[str] = set()
        self.foreign_requests: list[str] = []
        self.page.on("request", self._on_request)
        self.page.on("framenavigated", self._on_navigated)

    def _on_request(self, request) -> None:
        if not request.url.startswith(self.base_url) and not request.url.startswith("data:"):
            self.foreign_requests.append(request.url)

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.visited.add(frame.url.split("#")[0])

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def check(self) -> None:
        """axe-core (WCAG 2.1 A and AA), no inline or foreign script, no sideways scroll at 360 px."""
        page = self.page
        page.wait_for_load_state("load")
        found = page.evaluate(CHECK, AXE_TAGS)
        if found is None:  # a document the init script did not reach
            page.evaluate(AXE_SCRIPT)
            found = page.evaluate(CHECK, AXE_TAGS)
        assert not found["violations"], f"{page.url}: " + json.dumps(
            found["violations"], indent=1, ensure_ascii=False
        )
        assert found["foreign"] == 0, f"{page.url} has an inline or foreign script"
        overflow = found["overflow"]
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px"
        self.checked.add(page.url.split("#")[0])


@pytest.fixture
def visit(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="es-MX", base_url=live_server
    )
    visit = Visit(context, live_server)
    yield visit
    unchecked = visit.visited - visit.checked
    context.close()
    assert not unchecked, f"pages shown but never checked with axe: {sorted(unchecked)}"
    assert not visit.foreign_requests, f"requests to other origins: {visit.foreign_requests}"
