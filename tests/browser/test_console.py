"""The console in a real browser: log in, find an order, release a wave, pick with scans
(one wrong), pack, ship, read the timeline, see the dashboard's charts, a warehouse user
refused the settings, and an admin revoking a token the API then refuses."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from orderwell.store.tables_fulfilment import pick_scans
from tests.browser.console_server import PASSWORD, Floor, chromium, served

__all__ = ["chromium", "served"]  # fixtures, imported for pytest to find


LAPTOP = {"width": 1280, "height": 860}
HANDHELD = {"width": 360, "height": 740}  # a warehouse handheld in portrait


def _page(chromium: Any, viewport: dict[str, int] = LAPTOP) -> Page:
    context = chromium.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page: Page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" confirmations
    return page


def _login(page: Page, floor: Floor, username: str) -> None:
    page.goto(floor.url + "/console/")
    expect(page).to_have_url(floor.url + "/console/login?next=/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_find_an_order(served: Floor, chromium: Any) -> None:
    page = _page(chromium)
    _login(page, served, "ada")
    page.goto(served.url + "/console/orders")
    page.get_by_label("Order number").fill(served.orders[1])
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name=served.orders[1])).to_be_visible()
    expect(page.get_by_text("Customer's tracking page")).to_be_visible()
    expect(page.locator("ol.timeline li").first).to_contain_text("order.placed")
    page.screenshot(path=served.shots / "order.png", full_page=True)
    page.goto(served.url + "/console/orders")
    page.screenshot(path=served.shots / "orders.png", full_page=True)


def _pick_everything(page: Page, floor: Floor) -> int:
    """Pick every pick list of every wave released; the first product scan is wrong."""
    waves = page.locator("a[href*='/warehouse/waves/']")
    hrefs = []
    for wave in [str(waves.nth(i).get_attribute("href")) for i in range(waves.count())]:
        page.goto(floor.url + wave)
        lists = page.get_by_role("link", name="Start picking")
        hrefs += [lists.nth(i).get_attribute("href") for i in range(lists.count())]
    wrong_done = 0
    for href in hrefs:
        page.goto(floor.url + str(href))
        while page.locator(".now[data-bin]").count():
            now = page.locator(".now[data-bin]")
            bin_code, sku = now.get_attribute("data-bin"), now.get_attribute("data-sku")
            expect(page.locator("#scan")).to_be_focused()
            left = int(page.locator("#pick-panel").get_attribute("data-left") or 0)
            if wrong_done:
                # A fast scanner: the product's barcode follows the bin's before the bin's
                # answer is on screen; neither keystroke may be lost.
                _scan(page, str(bin_code))
                _scan(page, str(sku))
                expect(page.locator("#pick-panel")).to_have_attribute("data-left", str(left - 1))
                expect(page.get_by_role("status").last).to_contain_text("Picked")
                continue
            _scan(page, str(bin_code))
            expect(page.get_by_label("Scan the product", exact=False)).to_be_visible()
            expect(page.locator("#scan")).to_be_focused()
            # The first pick: one wrong product scan, by a person who waits for each answer.
            _scan(page, "SKU-9-WRONG")
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("Refused")
            expect(page.locator(".scan-panel.loud")).to_have_count(1)
            expect(page.locator("#scan")).to_be_focused()  # still ready for the next scan
            page.screenshot(path=floor.shots / "pick-wrong-scan.png", full_page=True)
            wrong_done = 1
            _scan(page, str(bin_code))
            expect(page.get_by_label("Scan the product", exact=False)).to_be_visible()
            _scan(page, str(sku))
            expect(page.locator("#pick-panel")).to_have_attribute("data-left", str(left - 1))
            expect(page.get_by_role("status").last).to_contain_text("Picked")
        expect(page.get_by_text("Pick list done")).to_be_visible()
    return wrong_done


def _pack_and_ship(page: Page, floor: Floor, number: str) -> None:
    page.goto(floor.url + "/console/warehouse/pack?warehouse=WH1")
    page.get_by_label("Scan a tote").fill(number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Packing", exact=True)).to_be_visible()
    while page.locator("tr[data-left]:not([data-left='0'])").count():
        row = page.locator("tr[data-left]:not([data-left='0'])").first
        sku, left = row.get_attribute("data-sku"), int(row.get_attribute("data-left") or 0)
        _scan(page, str(sku))
        # Wait for this scan's answer before the next (a person waits for the beep).
        expect(page.locator(f"tr[data-sku='{sku}']")).to_have_attribute("data-left", str(left - 1))
        expect(page.locator("#pack-panel [role=status]")).to_contain_text(f"Packed 1 × {sku}")
    # The panel is swapped after every scan: let the last swap land before typing into it.
    page.wait_for_load_state("networkidle")
    page.get_by_label("Package weight (g)").fill("900")
    expect(page.get_by_label("Package weight (g)")).to_have_value("900")
    # Each button is a whole-page form: wait for its answer before the next click (a
    # click on the page being left is lost, and the next button never comes).
    page.get_by_role("button", name="Close package").click()
    expect(page.get_by_text("Package closed")).to_be_visible()
    page.get_by_role("button", name="Finish packing").click()
    expect(page.get_by_text("Packed: buy the label")).to_be_visible()
    page.get_by_role("button", name="Buy label").click()
    expect(page.get_by_role("status")).to_contain_text("Label bought")
    page.screenshot(path=floor.shots / "pack.png", full_page=True)
    page.get_by_role("button", name="Confirm shipped").click()
    expect(page.get_by_role("status")).to_contain_text("Shipped")


def test_wave_pick_pack_ship_and_timeline(served: Floor, chromium: Any) -> None:
    page = _page(chromium, HANDHELD)
    _login(page, served, "wes")
    page.get_by_role("link", name="Warehouse").click()
    expect(page.get_by_role("heading", name="Release a wave")).to_be_visible()
    page.screenshot(path=served.shots / "warehouse-handheld.png", full_page=True)
    page.get_by_role("button", name="Release all").click()
    expect(page.get_by_role("status")).to_contain_text("Released")
    assert _pick_everything(page, served) == 1
    with served.db.read() as conn:
        refused = conn.execute(
            sa.select(pick_scans.c.result).where(pick_scans.c.result == "wrong_product")
        ).all()
    assert len(refused) == 1, "the wrong scan is kept"
    for number in served.orders:
        _pack_and_ship(page, served, number)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{served.url}/console/orders/{served.orders[0]}")
    expect(page.locator("h1 .badge")).to_have_text("shipped")
    times = page.locator("ol.timeline[aria-labelledby=timeline] time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert times == sorted(times) and len(times) >= 4
    expect(page.locator("ol.timeline").last).to_contain_text("shipped")
    page.screenshot(path=served.shots / "order-shipped.png", full_page=True)


def test_dashboard_draws_its_charts(served: Floor, chromium: Any) -> None:
    page = _page(chromium)
    _login(page, served, "ada")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(2)
    for i in range(canvases.count()):
        expect(canvases.nth(i)).to_have_attribute("data-drawn", "1")
        painted = canvases.nth(i).evaluate(
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                     let n = 0; for (let k = 3; k < d.length; k += 4) if (d[k] > 0) n++; return n; }"""
        )
        assert painted > 500, f"chart {i} is blank"
    expect(page.get_by_role("heading", name="Review: what could have been better")).to_be_visible()
    page.screenshot(path=served.shots / "dashboard.png", full_page=True)


def test_a_warehouse_user_is_refused_the_settings(served: Floor, chromium: Any) -> None:
    page = _page(chromium)
    _login(page, served, "wes")
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Settings")
    response = page.goto(served.url + "/console/settings")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("warehouse role may not settings:read")


def test_an_admin_revokes_a_token_and_the_api_refuses_it(served: Floor, chromium: Any) -> None:
    auth = {"Authorization": f"Bearer {served.token}"}
    assert httpx.get(served.url + "/orders", headers=auth).status_code == 200
    page = _page(chromium)
    _login(page, served, "ada")
    page.get_by_role("link", name="Settings").click()
    page.screenshot(path=served.shots / "settings.png", full_page=True)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("button", name="Revoke token shop-sync").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    page.screenshot(path=served.shots / "tokens.png", full_page=True)
    refused = httpx.get(served.url + "/orders", headers=auth)
    assert refused.status_code == 401
