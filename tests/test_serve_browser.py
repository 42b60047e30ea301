"""`sitegen serve` end to end in headless Chromium: an edit shows up in the open page without
a manual reload, a broken file shows the error overlay naming it, and fixing it recovers.

Needs Chromium at /usr/bin/chromium: when it is missing this fails (never skips)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from serve_tools import ServeProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
BRIEFING = "content/briefings/putins-red-lines.md"
PAGE = "briefings/putins-red-lines/index.html"
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector.protocol)"


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)",
                    pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_live_reload_error_overlay_and_recovery(chromium, example):
    path = example / BRIEFING
    original = path.read_text(encoding="utf-8")
    with ServeProcess(example) as server:
        page = chromium.new_page()
        try:
            page.goto(server.url + PAGE)
            assert page.locator("h1").first.inner_text() == "Putin's red lines on NATO and Ukraine"
            page.wait_for_function(CONNECTED, timeout=10_000)
            page.evaluate("window.sitegenMarker = 1")  # gone after any reload

            # 1. An edit appears without touching the browser.
            path.write_text(original.replace("title: Putin's red lines on NATO and Ukraine",
                                             "title: Red lines, revised"), encoding="utf-8")
            page.wait_for_function(
                "() => document.querySelector('h1').textContent.includes('Red lines, revised')",
                timeout=15_000)
            assert page.evaluate("window.sitegenMarker") is None  # it was a real reload
            page.wait_for_function(CONNECTED, timeout=10_000)

            # 2. Broken front matter: the overlay names the file, over the last good page.
            path.write_text(original.replace("date: 2022-01-12", "date: [oops"),
                            encoding="utf-8")
            overlay = page.locator("#sitegen-error")
            overlay.wait_for(state="visible", timeout=15_000)
            assert BRIEFING in overlay.inner_text()
            assert "invalid YAML" in overlay.inner_text()
            assert "Red lines, revised" in page.locator("h1").first.inner_text()
            page.wait_for_function(CONNECTED, timeout=10_000)

            # 3. Fixing the file brings the page back, again by itself.
            path.write_text(original, encoding="utf-8")
            overlay.wait_for(state="detached", timeout=15_000)
            page.wait_for_function(
                "() => document.querySelector('h1').textContent.includes(\"Putin's red lines\")",
                timeout=15_000)
        finally:
            page.close()
    assert server.proc.returncode == 0, server.output
