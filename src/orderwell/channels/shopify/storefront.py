"""Orderwell's pushes in Shopify's terms: fulfillments, cancellations, refunds, stock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orderwell.channels.platform_http import PlatformError
from orderwell.channels.shopify.admin import ShopifyAdmin


def _skus(order: dict[str, Any]) -> dict[int, str]:
    return {li["id"]: (li.get("sku") or "").strip() for li in order.get("line_items") or []}


class ShopifyStorefront:
    pushes_per_location = True

    def __init__(self, api: ShopifyAdmin) -> None:
        self.api = api

    def close(self) -> None:
        self.api.close()

    def fulfil(self, order: dict[str, Any], shipment: dict[str, Any]) -> str | None:
        """One Orderwell shipment -> one Shopify fulfillment (split shipments: several)."""
        oid = str(order["id"])
        number = shipment.get("tracking_number")
        for f in self.api.fulfillments(oid):
            if number and number in {f.get("tracking_number"), *(f.get("tracking_numbers") or [])}:
                return str(f.get("id"))  # sent before, its answer lost: never twice
        left = {str(k): int(v) for k, v in (shipment.get("units") or {}).items()}
        sku_of = _skus(order)
        groups = []
        for fo in self.api.fulfillment_orders(oid):
            if fo.get("status") not in ("open", "in_progress"):
                continue
            items = []
            for item in fo.get("line_items") or []:
                sku = sku_of.get(item.get("line_item_id"), "")
                take = min(left.get(sku, 0), int(item.get("fulfillable_quantity") or 0))
                if take > 0:
                    items.append({"id": item["id"], "quantity": take})
                    left[sku] -= take
            if items:
                groups.append(
                    {"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": items}
                )
        if not groups:
            raise PlatformError(
                f"Shopify order {oid} has nothing open to fulfil for {sorted(left)}", retry=False
            )
        made = self.api.create_fulfillment(
            {
                "line_items_by_fulfillment_order": groups,
                "tracking_info": {
                    "number": number,
                    "company": shipment.get("carrier_name") or shipment.get("carrier"),
                    "url": shipment.get("tracking_url"),
                },
                "notify_customer": True,
            }
        )
        return str(made.get("id")) if made.get("id") is not None else None

    def accept(self, order: dict[str, Any], event: dict[str, Any]) -> bool:
        """Nothing to say: a Shopify order is open until it is fulfilled or cancelled, and
        its payment status is Shopify's own (``PUSH_ONLY_TO`` sends no such push here)."""
        return False

    def cancel(self, order: dict[str, Any]) -> bool:
        """False when the shop has it cancelled already (it told us so)."""
        if order.get("cancelled_at"):
            return False
        self.api.cancel_order(str(order["id"]))
        return True

    def refund(self, order: dict[str, Any], refund: dict[str, Any]) -> str | None:
        oid = str(order["id"])
        line_of: dict[str, int] = {}
        for li_id, sku in _skus(order).items():
            line_of.setdefault(sku, li_id)
        parent = next(
            (
                t
                for t in self.api.transactions(oid)
                if t.get("kind") in ("capture", "sale") and t.get("status") == "success"
            ),
            None,
        )
        body: dict[str, Any] = {
            "currency": refund.get("currency"),
            "notify": True,
            "note": f"refund for return {refund.get('rma_number')} (Orderwell)",
            "refund_line_items": [
                {
                    "line_item_id": line_of[ln["sku"]],
                    "quantity": ln["quantity"],
                    "restock_type": "no_restock",
                }
                for ln in refund.get("lines") or []
                if ln.get("sku") in line_of
            ],
            "transactions": [
                {
                    "parent_id": parent["id"],
                    "amount": refund.get("amount"),
                    "kind": "refund",
                    "gateway": parent.get("gateway"),
                }
            ]
            if parent
            else [],
        }
        made = self.api.create_refund(oid, body)
        txns = [t for t in made.get("transactions") or [] if t.get("id") is not None]
        # The shop's refunds/create webhook reports this refund back; its transaction id
        # marks it as ours, so the ledger does not count it twice.
        return f"shopify-transaction:{txns[0]['id']}" if txns else None

    def set_stock(self, listing: Any, levels: dict[str, int]) -> dict[str, str]:
        """Set available per mapped location; returns listing ids learnt on the way."""
        learnt: dict[str, str] = {}
        item = listing.inventory_item_ref
        if not item:
            if not listing.variant_ref:
                return learnt
            item = str(self.api.variant(listing.variant_ref).get("inventory_item_id") or "")
            if not item:
                return learnt
            learnt["inventory_item_ref"] = item
        for location, available in sorted(levels.items()):
            self.api.set_inventory_level(location, item, available)
        return learnt

    def orders_since(self, since: str, *, field: str = "created") -> Iterator[dict[str, Any]]:
        orders, cursor = self.api.orders_page(since=since, field=field)
        yield from orders
        while cursor is not None:
            orders, cursor = self.api.orders_page(page_info=cursor)
            yield from orders
