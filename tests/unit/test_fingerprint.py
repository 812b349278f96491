"""The order fingerprint's bytes never change: every stored order keeps its request_hash,
and a replay of an order placed by an earlier version must still be a replay.

``reference`` is the fingerprint as first written (a recursive walk of the dumped model);
``PlaceOrder.fingerprint`` now lets orjson do the walk. They must agree on every order.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from orderwell.orders.rules import PlaceOrder

GOLDEN = {
    "channel": "shop-1",
    "external_id": "#1001",
    "customer": {"email": "Ada@Example.COM", "name": "Ada Lovelace", "phone": "+49 30 1234"},
    "shipping_address": {
        "name": "Ada",
        "line1": "1 Analytical St",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
    "currency": "EUR",
    "lines": [
        {"sku": "MUG", "quantity": 2, "unit_price": "21.00", "discount": 1.5, "tax": "0"},
        {"sku": "TEE-ÄÖ", "quantity": 1, "unit_price": 100},
    ],
    "shipping": "4.90",
    "requested_delivery_date": "2026-12-24",
    "payment_status": "paid",
    "placed_at": "2026-03-03T09:00:00.123456+01:00",
    "notes": 'Bitte "klingeln"\nDanke',
    "totals": {"total": "147.40"},
}
# Computed by the first spelling (before 29 Nov 2026): stored hashes depend on it.
GOLDEN_HASH = "929ca9d5a2d8adc61fd76d981733c24cab3d1aa34e3c9c2305616ce871094e5d"


def reference(order: PlaceOrder) -> str:
    """The fingerprint as first written."""

    def canonical(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: canonical(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [canonical(v) for v in value]
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and key == "email":
            return value.casefold()
        return value

    meaning = canonical(order.model_dump(mode="python"))
    return hashlib.sha256(orjson.dumps(meaning, option=orjson.OPT_SORT_KEYS)).hexdigest()


def test_the_golden_order_keeps_its_hash() -> None:
    order = PlaceOrder.model_validate(GOLDEN)
    assert order.fingerprint() == GOLDEN_HASH
    assert reference(order) == GOLDEN_HASH


def test_the_only_folded_value_is_the_customers_email() -> None:
    """The fast spelling folds customer.email alone: no other field may be named email."""
    schema = PlaceOrder.model_json_schema()
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if name == "email":
                    found.append(f"{path}.{name}")
                walk(sub, f"{path}.{name}")
            for key in ("$defs", "items", "anyOf", "allOf", "oneOf"):
                sub = node.get(key)
                if isinstance(sub, dict):
                    for name, d in sub.items():
                        walk(d, f"{path}/{name}")
                elif isinstance(sub, list):
                    for d in sub:
                        walk(d, path)

    walk(schema, "")
    assert found == ["/Customer.email"], found


amounts = st.one_of(
    st.decimals(min_value=0, max_value=10_000, places=2).map(str),
    st.integers(0, 10_000),
    st.sampled_from(["0", "0.00", "12.5", "12.50", "100", "1E+2"]),
)
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
times = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)),
    offsets,
)
texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30
).map(lambda t: t.strip() or "x")


@settings(max_examples=150, deadline=None)
@given(
    email_user=st.text(alphabet="abcXYZäÖß0123", min_size=1, max_size=12),
    name=texts,
    notes=st.none() | st.text(max_size=60),
    quantities=st.lists(st.integers(1, 999), min_size=1, max_size=5),
    prices=st.lists(amounts, min_size=5, max_size=5),
    shipping=amounts,
    placed_at=st.none() | times,
    delivery=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
    payment=st.sampled_from(["pending", "paid"]),
)
def test_the_fast_spelling_agrees_with_the_first(
    email_user: str,
    name: str,
    notes: str | None,
    quantities: list[int],
    prices: list[Any],
    shipping: Any,
    placed_at: datetime | None,
    delivery: date | None,
    payment: str,
) -> None:
    body: dict[str, Any] = {
        "customer": {"email": f"{email_user}@Example.COM", "name": name},
        "shipping_address": {"name": name, "line1": "1 Dock Road", "city": "Hamburg"}
        | {"postal_code": "20457", "country": "DE"},
        "currency": "EUR",
        "lines": [
            {"sku": f"SKU-{i}", "quantity": q, "unit_price": prices[i]}
            for i, q in enumerate(quantities)
        ],
        "shipping": shipping,
        "payment_status": payment,
        "notes": notes,
    }
    if placed_at is not None:
        body["placed_at"] = placed_at.isoformat()
    if delivery is not None:
        body["requested_delivery_date"] = delivery.isoformat()
    order = PlaceOrder.model_validate(body)
    assert order.fingerprint() == reference(order)
