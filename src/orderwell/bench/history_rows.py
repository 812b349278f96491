"""The rows of the bench's history: batches, the world they refer to, wave and order rows.

Split from ``history.py``, which decides what happens to each order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from orderwell.domain.statuses import PaymentStatus, PickListStatus, WaveStatus
from orderwell.review.facts import Facts


@dataclass(slots=True)
class Batch:
    """Rows for each raw table, and the fact rows the review derives from them."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    facts: Facts = field(default_factory=Facts)

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row


@dataclass(slots=True)
class World:
    """What the history refers to: warehouses, bins, products; ids handed out here."""

    warehouses: dict[int, str]  # id -> code
    bins: dict[int, int]  # warehouse id -> bin id
    products: dict[str, int]  # sku -> id
    as_of: datetime
    days: int
    waves: dict[tuple[int, date], tuple[int, int]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)
    skus: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.skus = sorted(self.products)

    base: int = 0  # ids of this batch's rows start above it (orders: their number + 1)

    def id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.base + self.next_id[table]


def wave_for(world: World, batch: Batch, wid: int, at: datetime) -> tuple[int, int]:
    key = (wid, at.date())
    if key not in world.waves:
        wave_id, list_id = world.id("waves"), world.id("pick_lists")
        code = f"H-{world.warehouses[wid]}-{at:%Y%m%d}-{world.base}"
        batch.add(
            "waves",
            {
                "id": wave_id,
                "code": code,
                "warehouse_id": wid,
                "single_line": False,
                "status": WaveStatus.DONE,
                "orders": 0,
                "units": 0,
                "earliest_cutoff": None,
                "rules": {},
                "released_by": "history",
                "released_at": at,
                "done_at": at,
            },
        )
        batch.add(
            "pick_lists",
            {
                "id": list_id,
                "wave_id": wave_id,
                "picker_no": 1,
                "status": PickListStatus.DONE,
                "units": 0,
                "totes": [],
                "done_at": at,
            },
        )
        world.waves[key] = (wave_id, list_id)
    return world.waves[key]


def order_row(o: SimpleNamespace, status: str, n: int, lines: list[Any]) -> dict[str, Any]:
    total = sum((ln.line_total for ln in lines), Decimal("0"))
    zero = Decimal("0")
    return {
        "id": o.id,
        "channel": o.channel,
        "external_id": f"h{n}",
        "request_hash": "history",
        "status": status,
        "customer_email": o.customer_email,
        "customer_name": "History Buyer",
        "ship_name": "History Buyer",
        "ship_line1": "1 Dock Road",
        "ship_city": "Hamburg",
        "ship_postal_code": "20457",
        "ship_country": "DE",
        "currency": "EUR",
        "subtotal": total,
        "discount_total": zero,
        "tax_total": zero,
        "shipping_total": zero,
        "grand_total": total,
        "payment_status": PaymentStatus.PAID,
        "allow_partial_shipment": True,
        "sourcing_reason": "history",
        "placed_at": o.placed_at,
        "created_at": o.placed_at,
        "updated_at": o.placed_at,
    }
