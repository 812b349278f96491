"""Browser fixtures shared by the browser tests: Debian's chromium driven by Playwright
(never a downloaded browser), and the real app served by uvicorn on a free port.

The browser is refused every request that leaves 127.0.0.1, so a page that needs the
internet fails here the way it would on an offline warehouse network.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from orderwell.app import create_app
from orderwell.store.db import Database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(db: Database) -> Iterator[str]:
    """The app on http://127.0.0.1:<port>, in a thread, until the test ends."""
    port = _free_port()
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """One Playwright driver at a time: its sync API cannot be started twice in a process,
    and while it runs it holds an asyncio loop that later tests' ``asyncio.run`` would trip
    over, so it lives only as long as the browser test module using it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as profile:
        context = playwright_driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield context
        context.close()


@pytest.fixture
def offline_page(browser: Any) -> Iterator[Any]:
    """A page that may only reach 127.0.0.1; what else it asked for is in ``.blocked``."""
    page = browser.new_page()
    blocked: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.blocked = blocked
    yield page
    page.close()
