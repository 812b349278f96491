"""Pure parts of channel sync: mappings of the platforms' JSON, signatures, update rules."""

from __future__ import annotations

from decimal import Decimal

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.channels.inbound import spread
from orderwell.channels.shopify.admin import ShopifyAdmin
from orderwell.channels.shopify.mapping import map_order, payments_of, refund_payments
from orderwell.channels.signatures import body_signature, signature_ok
from orderwell.channels.woocommerce.mapping import map_order as map_woo
from orderwell.domain.channels import UnitsSoFar, cancel_is_note, update_allowed
from tests.channel_support import fixture, shopify_order


def test_shopify_signature_is_base64_hmac_of_the_raw_body() -> None:
    body = b'{"id": 1}'
    # Reference value computed independently: printf '{"id": 1}' | openssl dgst -sha256
    # -hmac secret -binary | base64
    assert body_signature("secret", body) == "HmaC4Bw8oKa+/A6Wm3oTLEyqJmv+tDIzcqPNO7NS3Do="
    assert signature_ok("secret", body, body_signature("secret", body))
    assert not signature_ok("secret", body + b" ", body_signature("secret", body))
    assert not signature_ok("secret", body, None)
    assert not signature_ok("", body, body_signature("", body))


def test_the_fixture_order_maps_lines_tax_address_customer_and_payment() -> None:
    order = fixture("shopify/order.json")["order"]
    mapped = map_order(order, channel="kite", partial_shipment=False)
    assert mapped.problem is None and mapped.order is not None
    o = mapped.order
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in o.lines] == [
        ("IPOD2008GREEN", 1, Decimal("199.00")),
        ("IPOD2008RED", 1, Decimal("199.00")),
        ("IPOD2008BLACK", 1, Decimal("199.00")),
    ]
    assert [ln.tax for ln in o.lines] == [Decimal("3.98"), Decimal("3.98"), Decimal("3.98")]
    assert o.shipping_address.country == "US" and o.shipping_address.region == "KY"
    assert o.customer.name == "Bob Norman" and o.customer.phone == "555-625-1199"
    assert o.allow_partial_shipment is False and o.shipping_method == "Free Shipping"
    assert mapped.remote_name == "#1001" and mapped.cancelled is False
    assert [(p.kind, p.amount) for p in mapped.payments] == [
        (PaymentKind.AUTHORIZED, Decimal("409.94"))
    ]
    assert {li.sku: li.variant_ref for li in mapped.listings}["IPOD2008RED"] == "49148385"


def test_refund_fixture_and_financial_statuses_make_ledger_entries() -> None:
    refund = fixture("shopify/refund.json")["refund"]
    assert [(p.kind, p.amount, p.reference) for p in refund_payments(refund)] == [
        (PaymentKind.REFUNDED, Decimal("209.00"), "shopify-transaction:179259969")
    ]
    listed = fixture("shopify/orders.json")["orders"][0]  # partially_refunded
    kinds = [(p.kind, p.amount) for p in payments_of(listed)]
    assert (PaymentKind.CAPTURED, Decimal("598.94")) in kinds
    voided = {**listed, "financial_status": "voided", "refunds": []}
    assert [p.kind for p in payments_of(voided)] == [PaymentKind.AUTHORIZED, PaymentKind.VOIDED]


def test_discount_allocations_merged_skus_and_problems() -> None:
    order = shopify_order(1, {"SKU-1": 2, "SKU-2": 1})
    order["line_items"][0]["discount_allocations"] = [{"amount": "1.50"}, {"amount": "0.50"}]
    twin = {**order["line_items"][0], "id": 99, "quantity": 1, "discount_allocations": []}
    order["line_items"].append(twin)  # the same SKU on a second line (an engraving)
    mapped = map_order(order, channel="kite", partial_shipment=True)
    assert mapped.order is not None
    assert [(ln.sku, ln.quantity, ln.discount) for ln in mapped.order.lines] == [
        ("SKU-1", 3, Decimal("2.00")),
        ("SKU-2", 1, Decimal("0")),
    ]
    order["line_items"][1]["sku"] = ""
    held = map_order(order, channel="kite", partial_shipment=True)
    assert held.order is None and "has no SKU" in (held.problem or "")
    no_mail = {**shopify_order(2, {"SKU-1": 1}), "email": None, "contact_email": None}
    no_mail["customer"] = {**no_mail["customer"], "email": None}
    assert "no customer email" in (
        map_order(no_mail, channel="k", partial_shipment=True).problem or ""
    )


def test_woocommerce_order_maps_discounts_shipping_and_payment() -> None:
    mapped = map_woo(fixture("woocommerce/order.json"), channel="kite", partial_shipment=True)
    assert mapped.order is not None, mapped.problem
    o = mapped.order
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.discount, ln.tax) for ln in o.lines] == [
        ("SKU-1", 2, Decimal("10.00"), Decimal("2.00"), Decimal("0.90")),
        ("SKU-2", 1, Decimal("9.00"), Decimal("0.00"), Decimal("0.45")),
    ]
    assert o.shipping == Decimal("10.00") and o.shipping_address.city == "Berlin"
    assert o.customer.email == "john.doe@example.com" and mapped.remote_name == "#727"
    assert [(p.kind, p.amount) for p in mapped.payments] == [
        (PaymentKind.CAPTURED, Decimal("38.35"))
    ]


def test_tax_spread_keeps_every_cent() -> None:
    parts = spread(Decimal("10.00"), [Decimal(1), Decimal(1), Decimal(1)])
    assert parts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_update_rules_follow_picking_and_shipping() -> None:
    assert update_allowed(UnitsSoFar(0, 0)).apply_contact
    assert not update_allowed(UnitsSoFar(1, 0)).apply_line_decreases
    assert not cancel_is_note(UnitsSoFar(2, 0)) and cancel_is_note(UnitsSoFar(0, 1))


def test_shopify_client_pauses_when_the_leaky_bucket_is_nearly_full() -> None:
    slept: list[float] = []
    admin = ShopifyAdmin("https://kite.example", "t", sleep=slept.append)
    admin.bucket = (39, 40)
    admin.before()
    assert slept == [9.5]  # drain to half at 2 calls a second
    admin.before()
    assert slept == [9.5]
    admin.close()
