"""What the browser tests do to pages: log in, screenshot, check accessibility with axe-core."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.browser.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "switchboard"
#: The WCAG 2.1 A and AA rules of axe-core (vendored under agent_ui/static/vendor).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def log_in(page: Any, login: str, *, lands_on: str) -> None:
    """Log in through the login form, as a person would, and wait for the landing page."""
    page.goto("/ui/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/ui/{lands_on}")


def shoot(page: Any, name: str, *, docs: bool = False) -> Path:
    """Keep a screenshot as an artifact and, for the README, under docs/screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if docs:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")
    return path


def axe_violations(page: Any) -> list[str]:
    """Run axe-core's WCAG 2.1 A/AA rules on the page as it is; one line per violation."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url="/ui/vendor/axe.min.js")
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id} (${v.impact}): ${v.help} at `"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))",
        AXE_TAGS,
    )
    return [str(line) for line in result]


VIEWPORT = {"width": 1440, "height": 900}


@contextmanager
def browser_tab(browser: Any, server: LiveServer, name: str) -> Iterator[Any]:
    """A tab of its own (a fresh context: no cookies or storage shared) on ``server``. At the
    end its screenshot is kept as ``artifacts/screenshots/<name>.png``, and any uncaught
    error the page raised fails the test."""
    context = browser.new_context(base_url=server.url, viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if not tab.is_closed():
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
