"""Orderwell's pushes in WooCommerce REST API v3 terms.

An order Orderwell has and that is paid gets the status ``processing``; a shipment becomes
a customer note with its tracking (WooCommerce has no fulfillments of its own) and, once
everything has shipped, the status ``completed``; a cancellation the
status ``cancelled``; a refund a ``/refunds`` record (``api_refund: false``: Orderwell
moves no money, the merchant's gateway already did; WooCommerce marks the order
``refunded`` itself when refunds reach its total); stock ``stock_quantity`` per product
or variation. Authentication: the REST API keys over HTTP Basic (HTTPS).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orderwell.channels.platform_http import PlatformHttp
from orderwell.channels.woocommerce.mapping import CANCELLED_STATUSES
from orderwell.domain.events import EventType

API = "/wp-json/wc/v3"
SHIPPED = frozenset({"shipped", "delivered"})
# WooCommerce's statuses before "processing": waiting for the payment, or for its
# confirmation (a bank transfer).
AWAITING = frozenset({"pending", "on-hold"})


class WooStorefront:
    pushes_per_location = False

    def __init__(self, api: PlatformHttp) -> None:
        self.api = api
        self.api.name = "WooCommerce"

    def close(self) -> None:
        self.api.close()

    def fulfil(self, order: dict[str, Any], shipment: dict[str, Any]) -> str | None:
        oid = order["id"]
        carrier = shipment.get("carrier_name") or shipment.get("carrier")
        text = f"Shipped with {carrier}, tracking number {shipment.get('tracking_number')}"
        if shipment.get("tracking_url"):
            text += f": {shipment['tracking_url']}"
        r = self.api.request(
            "POST", f"{API}/orders/{oid}/notes", json={"note": text, "customer_note": True}
        )
        if shipment.get("status") in SHIPPED:
            self.api.request("PUT", f"{API}/orders/{oid}", json={"status": "completed"})
        return str(r.json().get("id"))

    def accept(self, order: dict[str, Any], event: dict[str, Any]) -> bool:
        """``processing`` once Orderwell has the order and it is paid: paid in the shop, or
        the payment captured in Orderwell (say, a bank transfer the merchant recorded).

        The shop's status is read first, not taken from the order as it arrived: by the
        time a payment is captured the order may be completed, and must not go back.
        """
        paid = bool(order.get("date_paid_gmt") or order.get("date_paid"))
        if not (paid or event.get("type") == EventType.PAYMENT_CAPTURED):
            return False
        oid = order["id"]
        now = self.api.request("GET", f"{API}/orders/{oid}").json()
        if now.get("status") not in AWAITING:
            return False  # processing already, or past it (completed, cancelled, refunded)
        self.api.request("PUT", f"{API}/orders/{oid}", json={"status": "processing"})
        return True

    def cancel(self, order: dict[str, Any]) -> bool:
        if order.get("status") in CANCELLED_STATUSES:
            return False
        self.api.request("PUT", f"{API}/orders/{order['id']}", json={"status": "cancelled"})
        return True

    def refund(self, order: dict[str, Any], refund: dict[str, Any]) -> str | None:
        line_of: dict[str, int] = {}
        for li in order.get("line_items") or []:
            line_of.setdefault((li.get("sku") or "").strip(), li["id"])
        body = {
            "amount": refund.get("amount"),
            "reason": f"return {refund.get('rma_number')} (Orderwell)",
            "api_refund": False,
            "line_items": [
                {"id": line_of[ln["sku"]], "quantity": ln["quantity"]}
                for ln in refund.get("lines") or []
                if ln.get("sku") in line_of
            ],
        }
        r = self.api.request("POST", f"{API}/orders/{order['id']}/refunds", json=body)
        made = r.json().get("id")
        return f"woocommerce-refund:{made}" if made is not None else None

    def set_stock(self, listing: Any, levels: dict[str, int]) -> dict[str, str]:
        if not listing.product_ref:
            return {}
        path = f"{API}/products/{listing.product_ref}"
        if listing.variant_ref:
            path += f"/variations/{listing.variant_ref}"
        total = sum(levels.values())
        self.api.request("PUT", path, json={"manage_stock": True, "stock_quantity": total})
        return {}

    def orders_since(self, since: str, *, field: str = "created") -> Iterator[dict[str, Any]]:
        key = "after" if field == "created" else "modified_after"
        page = 1
        while True:
            r = self.api.request(
                "GET",
                f"{API}/orders",
                params={key: since, "per_page": 100, "page": page, "dates_are_gmt": "true"},
            )
            orders = r.json()
            yield from orders
            if page >= int(r.headers.get("X-WP-TotalPages", "1") or 1) or not orders:
                return
            page += 1
