"""Browser tests: Debian's Chromium driven by Playwright against the app on a real port.

Without /usr/bin/chromium the tests are skipped with a plain message, except in CI
(CI=true), where a missing browser fails the run so it cannot pass silently.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from live_server import start_live_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Short, so "arrives within one polling interval" is quick to wait for.
POLL_SECONDS = 1


def _browser_missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"Browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        _browser_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Per test module, so each starts from the demo data (the screenshots show what `make run` shows)."""
    server = start_live_server(tmp_path_factory.mktemp("live"), poll_seconds=POLL_SECONDS)
    yield server
    server.stop()


@dataclass
class BrowserSession:
    """One browser context (a person) with the console errors its pages logged."""

    context: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    # Substrings of console errors a test provokes on purpose (a refused upload answers 4xx).
    expected_errors: list[str] = field(default_factory=list)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(
            f"{page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))
        return page

    def unexpected_errors(self) -> list[str]:
        return [error for error in self.console_errors
                if not any(expected in error for expected in self.expected_errors)]


@pytest.fixture
def open_session(browser, live_server):
    """``open_session(javascript=True, viewport=DESKTOP)``: a fresh person; no console errors allowed."""
    sessions: list[BrowserSession] = []

    def make(javascript: bool = True, viewport: dict = DESKTOP) -> BrowserSession:
        context = browser.new_context(java_script_enabled=javascript, viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(10_000)
        session = BrowserSession(context, live_server.url)
        sessions.append(session)
        return session

    yield make
    errors = [error for session in sessions for error in session.unexpected_errors()]
    for session in sessions:
        session.context.close()
    assert not errors, "Browser console errors:\n" + "\n".join(errors)


# axe-core from the npm registry (`npm pack axe-core@4.14.1`, MPL-2.0), run on every screenshotted page.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
AXE_FAILING_IMPACTS = ("serious", "critical")


def screenshot(page, name: str, full_page: bool = True, javascript: bool = True) -> None:
    """Save the page as tests/screenshots/NAME.png, and check it with axe while it is on screen.

    axe is JavaScript: in a context with JavaScript off it cannot run (the same markup is
    checked in the JavaScript-on screenshots).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    if not javascript:
        return
    problems = accessibility_problems(page)
    assert not problems, f"Accessibility problems on {name}:\n" + "\n".join(problems)


def accessibility_problems(page, impacts=AXE_FAILING_IMPACTS) -> list[str]:
    """axe's findings of these impacts (all of them with ``impacts=None``)."""
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
            for v in violations if impacts is None or v["impact"] in impacts]
