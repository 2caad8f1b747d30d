"""Browser tests: Debian's Chromium driven by Playwright, never a downloaded browser."""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test.testcases import LiveServerThread
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a closed network and a root user: no background traffic, no sandbox, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def site_server(collected_static):
    """The site on a local port, static files served by whitenoise from collectstatic's output.

    Replaces pytest-django's live server, whose static handler looks files up by
    their source names and so misses the hashed names production uses.
    """
    thread = LiveServerThread("localhost", static_handler=lambda application: application)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield SimpleNamespace(url=f"http://localhost:{thread.port}")
    thread.terminate()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium package.")
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def csp_refusals() -> list[str]:
    """What the browser refused to load or run under the site's Content-Security-Policy."""
    return []


@pytest.fixture
def page(browser, csp_refusals):
    """A new page; the test fails if the browser refused anything under the site's CSP."""
    context = browser.new_context()
    page = context.new_page()

    def note_refusal(message):
        if "Content Security Policy" in message.text:
            csp_refusals.append(message.text)

    page.on("console", note_refusal)
    yield page
    context.close()
    assert not csp_refusals, f"the Content-Security-Policy blocked: {csp_refusals}"


@pytest.fixture
def screenshot(page, request):
    """Save what the page shows as an artefact named after the test."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# The impacts that fail a page; "minor" and "moderate" findings are reported but do not fail.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def accessibility_violations(page):
    """Run axe-core (from npm) on the page as it is now; return the serious and critical violations."""

    def check() -> list[dict]:
        if not AXE_SCRIPT.exists():
            pytest.fail("axe-core is missing; `make test` installs it with npm ci.")
        # Evaluated by the browser's debugging protocol, which the page's CSP does not govern; a
        # <script> tag would be refused by it as any injected script is.
        page.evaluate(AXE_SCRIPT.read_text())
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": violation["id"], "impact": violation["impact"], "nodes": [n["target"] for n in violation["nodes"]]}
            for violation in results["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]

    return check
