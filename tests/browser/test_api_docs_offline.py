"""/docs and /redoc list the API's operations in a browser that cannot reach the internet."""

from __future__ import annotations

from typing import Any


def test_swagger_ui_lists_operations_offline(live_server: str, offline_page: Any) -> None:
    offline_page.goto(f"{live_server}/docs")
    offline_page.wait_for_selector(".opblock", timeout=60_000)
    paths = offline_page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) > 50
    assert any(p.replace("\u200b", "") == "/orders" for p in paths), paths[:10]
    assert offline_page.blocked == []


def test_redoc_lists_operations_offline(live_server: str, offline_page: Any) -> None:
    offline_page.goto(f"{live_server}/redoc")
    offline_page.wait_for_selector("[data-item-id^='tag/orders']", timeout=60_000)
    operations = offline_page.locator("[data-item-id*='/operation/']").count()
    assert operations > 50
    # ReDoc's "API docs by Redocly" badge image is the one outside request; the page
    # works without it.
    assert all(url.endswith(".svg") for url in offline_page.blocked), offline_page.blocked
