"""Fixtures for the console's browser tests: a floor with orders, a uvicorn server on a
free loopback port, and Debian's chromium driven by Playwright.

Chromium is the system one (/usr/bin/chromium, `apt-get install chromium`); Playwright's
own browser download is never used, so the tests run with no network.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from orderwell.app import create_app
from orderwell.config import Settings
from orderwell.console.users import create_user
from orderwell.domain.roles import Role
from orderwell.http.tokens import create_token
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from tests.helpers import order
from tests.integration.fulfilment_helpers import floor

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


@dataclass
class Floor:
    url: str  # the server's base, http://127.0.0.1:PORT
    db: Database
    orders: list[str]  # order numbers, oldest first
    token: str  # an integration API token for the revocation test
    shots: Path  # where the screenshots go


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    here = tmp_path_factory.mktemp("console")
    path = here / "orderwell.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    floor(
        db,
        {
            ("SKU-1", "WH1", "A-01"): 20,
            ("SKU-2", "WH1", "A-02"): 20,
            ("SKU-3", "WH1", "A-03"): 20,
        },
    )
    placed = [
        place_order(db, order(lines, external_id=f"web-{i}"), actor="test").order_id
        for i, lines in enumerate(({"SKU-1": 2, "SKU-2": 1}, {"SKU-3": 1}, {"SKU-2": 2}))
    ]
    create_user(db, "ada", PASSWORD, Role.ADMIN.value)
    create_user(db, "wes", PASSWORD, Role.WAREHOUSE.value)
    token = create_token(db, "shop-sync", Role.INTEGRATION.value)
    app = create_app(db, Settings(public_url="http://127.0.0.1"), worker=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    # ORDERWELL_SCREENSHOTS_DIR keeps them somewhere lasting (pytest prunes old temp dirs).
    shots = Path(os.environ.get("ORDERWELL_SCREENSHOTS_DIR") or here / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Floor(
            f"http://127.0.0.1:{port}", db, [db.numbers.number(i) for i in placed], token, shots
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="module")
def chromium(playwright_driver: Any) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
