"""Browser fixtures: Debian's Chromium driven by Playwright's sync API, against `live_server`.

No browser is ever downloaded (`playwright install` is not used): the test drives the system's
`chromium`. Without it the browser tests are skipped, unless MINSHENG_REQUIRE_BROWSER=1 (CI), where a
missing browser must fail the build instead of silently testing nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    # Nothing from the internet: no update checks, no sync, no first-run pings.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Debian's Chromium is not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("MINSHENG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MINSHENG_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module; each persona gets its own context (cookies, session)."""
    path = _chromium_path()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in the test thread, and Django refuses ORM calls
    # from a thread with a running loop. The test thread only sets up fixtures and reads results
    # while the browser waits, so the guard is switched off, for the browser's lifetime only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshots() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Shots:
    """Numbered full-page screenshots of a test's steps: artifacts/screenshots/<prefix>NN-name.png."""

    def __init__(self, folder: Path, prefix: str = "") -> None:
        self.folder, self.prefix, self.step = folder, prefix, 0

    def __call__(self, page: Page, name: str) -> None:
        self.step += 1
        page.screenshot(path=str(self.folder / f"{self.prefix}{self.step:02d}-{name}.png"), full_page=True)
