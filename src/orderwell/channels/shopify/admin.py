"""The Shopify Admin REST API, as far as Orderwell uses it.

Shapes as documented for API version 2024-10: fulfillments through fulfillment orders
(``POST /fulfillments.json`` with ``line_items_by_fulfillment_order`` and
``tracking_info``), ``POST /orders/{id}/cancel.json``, ``POST /orders/{id}/refunds.json``
with transactions against the order's capture, ``POST /inventory_levels/set.json``, and
``GET /orders.json`` paged by cursor (the ``Link`` header's ``page_info``).

Rate limits: ``X-Shopify-Shop-Api-Call-Limit`` ("32/40") is the leaky bucket's fill; when
it is nearly full we pause long enough for it to drain (2 calls a second) instead of
running into 429s. A 429's ``Retry-After`` is honoured (``platform_http``).
"""

from __future__ import annotations

import re
from typing import Any

from orderwell.channels.platform_http import PlatformHttp

API_VERSION = "2024-10"
LEAK_PER_S = 2.0
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_PAGE_INFO = re.compile(r"[?&]page_info=([^&>]+)")


class ShopifyAdmin(PlatformHttp):
    name = "Shopify"

    def __init__(self, base_url: str, access_token: str, **kwargs: Any) -> None:
        super().__init__(base_url, headers={"X-Shopify-Access-Token": access_token}, **kwargs)
        self.bucket: tuple[int, int] | None = None  # (used, size) from the last answer

    def before(self) -> None:
        if self.bucket is None:
            return
        used, size = self.bucket
        if used >= size - 2:  # about to overflow: let it drain to half
            self.sleep((used - size / 2) / LEAK_PER_S)
            self.bucket = None

    def after(self, response: Any) -> None:
        header = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
        if header and "/" in header:
            used, _, size = header.partition("/")
            if used.strip().isdigit() and size.strip().isdigit():
                self.bucket = (int(used), int(size))

    def _path(self, tail: str) -> str:
        return f"/admin/api/{API_VERSION}/{tail}"

    def fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        r = self.request("GET", self._path(f"orders/{order_id}/fulfillments.json"))
        return list(r.json().get("fulfillments") or [])

    def fulfillment_orders(self, order_id: str) -> list[dict[str, Any]]:
        r = self.request("GET", self._path(f"orders/{order_id}/fulfillment_orders.json"))
        return list(r.json().get("fulfillment_orders") or [])

    def create_fulfillment(self, fulfillment: dict[str, Any]) -> dict[str, Any]:
        r = self.request("POST", self._path("fulfillments.json"), json={"fulfillment": fulfillment})
        return dict(r.json().get("fulfillment") or {})

    def cancel_order(self, order_id: str, *, reason: str = "other") -> dict[str, Any]:
        r = self.request(
            "POST", self._path(f"orders/{order_id}/cancel.json"), json={"reason": reason}
        )
        return dict(r.json().get("order") or {})

    def transactions(self, order_id: str) -> list[dict[str, Any]]:
        r = self.request("GET", self._path(f"orders/{order_id}/transactions.json"))
        return list(r.json().get("transactions") or [])

    def create_refund(self, order_id: str, refund: dict[str, Any]) -> dict[str, Any]:
        r = self.request(
            "POST", self._path(f"orders/{order_id}/refunds.json"), json={"refund": refund}
        )
        return dict(r.json().get("refund") or {})

    def variant(self, variant_id: str) -> dict[str, Any]:
        r = self.request("GET", self._path(f"variants/{variant_id}.json"))
        return dict(r.json().get("variant") or {})

    def set_inventory_level(self, location_id: str, inventory_item_id: str, available: int) -> None:
        self.request(
            "POST",
            self._path("inventory_levels/set.json"),
            json={
                "location_id": int(location_id),
                "inventory_item_id": int(inventory_item_id),
                "available": available,
            },
        )

    def orders_page(
        self, *, page_info: str | None = None, since: str | None = None, field: str = "created"
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of orders and the cursor of the next (None on the last page).

        With ``page_info`` Shopify allows only ``limit`` beside it: the filters travel in
        the cursor.
        """
        params: dict[str, Any] = {"limit": 250}
        if page_info is not None:
            params["page_info"] = page_info
        else:
            params["status"] = "any"
            if since is not None:
                params[f"{field}_at_min"] = since
        r = self.request("GET", self._path("orders.json"), params=params)
        link = r.headers.get("Link") or ""
        match = _NEXT.search(link)
        cursor = None
        if match:
            found = _PAGE_INFO.search(match.group(1))
            cursor = found.group(1) if found else None
        return list(r.json().get("orders") or []), cursor
