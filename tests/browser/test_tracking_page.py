"""The customer's tracking page in a real browser, offline: the shop's colours, the story
in order, the carrier's link; a screenshot is kept for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from orderwell.orders.channel_settings import ChannelSettingsIn, put_channel_settings
from orderwell.orders.placing import place_order
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.store.db import Database
from tests.helpers import order
from tests.integration.fulfilment_helpers import deliver, floor, ship_order


def test_tracking_page_wears_the_shops_colours_and_tells_the_story_in_order(
    db: Database, live_server: str, offline_page: Any, tmp_path: Path
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    brand = {"shop_name": "Kite Coffee", "colour": "#aa3300", "footer": "Kite Coffee GmbH"}
    put_channel_settings(db, "api", ChannelSettingsIn(branding=brand))
    oid = place_order(db, order({"SKU-1": 2}), actor="shop").order_id
    deliver(db, ship_order(db, oid))

    offline_page.goto(f"{live_server}/track/{make_token(link_key(db), oid)}")
    header = offline_page.locator("header.shop")
    assert header.inner_text().strip() == "Kite Coffee"
    colour = header.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(170, 51, 0)"
    story = offline_page.locator("ul.story li").all_inner_texts()
    first = next(i for i, text in enumerate(story) if "We received your order." in text)
    last = next(i for i, text in enumerate(story) if "was delivered" in text)
    assert first < last and all("(Europe/Berlin)" in text for text in story)
    link = offline_page.locator(".parcel a")
    assert link.get_attribute("href").startswith("https://www.ups.com/track?tracknum=1Z")
    assert offline_page.locator("form button").inner_text() == "Request a return"
    assert offline_page.blocked == []  # the page needs nothing from the internet
    shots = Path(os.environ.get("ORDERWELL_SCREENSHOTS_DIR") or tmp_path)
    offline_page.screenshot(path=shots / "tracking-page.png", full_page=True)
    assert (shots / "tracking-page.png").stat().st_size > 10_000
