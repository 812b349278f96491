"""The demo data set: every state present, stock and ledger consistent, deterministic."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.demo import has_orders, load_demo
from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.domain.lifecycle import (
    BUCKETS,
    Bucket,
    HoldReason,
    OrderStatus,
    UnitTotals,
    derive_status,
)
from orderwell.inventory.queries import list_bins, list_products, list_warehouses
from orderwell.store.db import Database, make_engine
from orderwell.store.migrate import upgrade
from orderwell.store.tables import (
    allocations,
    bin_stock,
    bins,
    order_events,
    order_lines,
    orders,
    outbox,
    stock,
    stock_ledger,
)
from orderwell.store.tables_aftersale import payments, refunds, returns
from orderwell.store.tables_fulfilment import manifests, shipments, tracking_events
from orderwell.store.tables_outbound import customer_messages
from orderwell.warehouse.carriers.gs1 import is_valid_gs1
from orderwell.warehouse.queries import picking_accuracy
from tests.helpers import invariant_breaches, picked_not_shipped
from tests.integration.fulfilment_helpers import fulfilment_breaches

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
SCALE = 0.1  # 125 orders: enough for every channel, story and status, quick on both engines


def test_demo_data_set(db: Database) -> None:
    """One load per engine (it takes seconds), then every property of the data set."""
    fixed = Database(db.engine, clock=lambda: NOW)
    summary = load_demo(fixed, seed=7, progress=False, scale=SCALE)
    assert summary.orders == sum(summary.orders_by_status.values()) >= 125
    assert "status reserved" in str(summary) and "status returned" in str(summary)
    _every_status_and_hold_reason_is_present(fixed)
    _the_whole_cycle_went_through_the_services(fixed)
    _invariants_hold(fixed)
    _stock_is_consistent_and_the_ledger_explains_it(fixed)
    _order_status_is_derived_from_its_lines_and_timelines_are_real(fixed)
    _catalog_warehouses_and_bins(fixed)
    _the_history_sends_nothing_and_is_manifested(fixed)
    assert has_orders(fixed)
    with pytest.raises(Conflict):
        load_demo(fixed, progress=False, scale=SCALE)


def _the_history_sends_nothing_and_is_manifested(demo_db: Database) -> None:
    with demo_db.read() as conn:
        messages = dict(
            conn.execute(
                sa.select(customer_messages.c.status, sa.func.count()).group_by(
                    customer_messages.c.status
                )
            ).all()
        )
        why = set(
            conn.execute(sa.select(customer_messages.c.last_error).distinct()).scalars().all()
        )
        unmanifested = (
            conn.execute(
                sa.select(shipments.c.shipped_at).where(
                    shipments.c.shipped_at.is_not(None), shipments.c.manifest_id.is_(None)
                )
            )
            .scalars()
            .all()
        )
        manifested = conn.execute(
            sa.select(sa.func.count()).where(shipments.c.manifest_id.is_not(None))
        ).scalar_one()
        days = conn.execute(sa.select(sa.func.count()).select_from(manifests)).scalar_one()
    # Messages for the history are recorded, never left pending for a mail server to send.
    assert messages.get("pending", 0) == 0 and messages["suppressed"] > 100, messages
    assert why == {"demo history: recorded by `orderwell demo`, never to be sent"}
    # Each day's parcels went on that day's manifest; only today's wait for one.
    assert manifested > 50 and days > 20
    assert all(at.date() == NOW.date() for at in unmanifested), unmanifested


def _every_status_and_hold_reason_is_present(demo_db: Database) -> None:
    with demo_db.read() as conn:
        statuses = {
            s: n
            for s, n in conn.execute(
                sa.select(orders.c.status, sa.func.count()).group_by(orders.c.status)
            )
        }
        held = {
            r
            for (r,) in conn.execute(
                sa.select(orders.c.hold_reason).where(orders.c.status == "on_hold")
            )
        }
        partly = conn.execute(
            sa.select(sa.func.count(sa.distinct(order_events.c.order_id)))
            .join(orders, orders.c.id == order_events.c.order_id)
            .where(
                order_events.c.type == "order.partially_cancelled", orders.c.status != "cancelled"
            )
        ).scalar_one()
        channels = {c for (c,) in conn.execute(sa.select(orders.c.channel).distinct())}
        placed = conn.execute(
            sa.select(sa.func.min(orders.c.placed_at), sa.func.max(orders.c.placed_at))
        ).one()
        refilled = conn.execute(
            sa.select(sa.func.count()).where(order_events.c.type == "order.backorder_reserved")
        ).scalar_one()
    for status in OrderStatus:
        assert statuses.get(status.value, 0) > 0, status
    # Most orders older than a few days made it to the customer.
    assert statuses["delivered"] > sum(statuses.values()) / 2
    assert held == {r.value for r in HoldReason}
    assert partly > 0
    assert refilled > 0  # receipts went to waiting backorders, through the real service
    assert channels <= {"api", "shopify", "woocommerce", "csv", "edi", "exchange"}
    assert channels >= {"api", "shopify", "woocommerce", "csv", "edi"}
    assert NOW - timedelta(days=90) <= placed[0] < placed[1] <= NOW


def _stock_is_consistent_and_the_ledger_explains_it(demo_db: Database) -> None:
    with demo_db.read() as conn:
        levels = {
            (r.product_id, r.warehouse_id): (r.on_hand, r.reserved)
            for r in conn.execute(sa.select(stock))
        }
        bin_totals = {
            (p, w): int(n)
            for p, w, n in conn.execute(
                sa.select(
                    bin_stock.c.product_id, bins.c.warehouse_id, sa.func.sum(bin_stock.c.on_hand)
                )
                .join(bins, bins.c.id == bin_stock.c.bin_id)
                .group_by(bin_stock.c.product_id, bins.c.warehouse_id)
            )
        }
        allocated = {
            (p, w): int(n)
            for p, w, n in conn.execute(
                sa.select(
                    allocations.c.product_id,
                    allocations.c.warehouse_id,
                    sa.func.sum(allocations.c.quantity),
                ).group_by(allocations.c.product_id, allocations.c.warehouse_id)
            )
        }
        ledger_sums = {
            (p, w): (int(oh), int(rs))
            for p, w, oh, rs in conn.execute(
                sa.select(
                    stock_ledger.c.product_id,
                    stock_ledger.c.warehouse_id,
                    sa.func.sum(stock_ledger.c.delta_on_hand),
                    sa.func.sum(stock_ledger.c.delta_reserved),
                ).group_by(stock_ledger.c.product_id, stock_ledger.c.warehouse_id)
            )
        }
        last_rows = {
            (r.product_id, r.warehouse_id): (r.on_hand_after, r.reserved_after)
            for r in conn.execute(sa.select(stock_ledger).order_by(stock_ledger.c.id))
        }
        reserved_units = conn.execute(
            sa.select(sa.func.sum(order_lines.c.qty_reserved))
        ).scalar_one()
        kinds = {k for (k,) in conn.execute(sa.select(stock_ledger.c.kind).distinct())}
    with demo_db.read() as conn:
        in_hand = picked_not_shipped(conn)
    assert levels and kinds >= {"receive", "reserve", "release", "pick", "ship", "return_restock"}
    for key, (on_hand, reserved) in levels.items():
        assert 0 <= reserved <= on_hand
        # Picked units left their bin for a tote or a box but are still in the building.
        assert bin_totals.get(key, 0) + in_hand.get(key, 0) == on_hand, key
        assert allocated.get(key, 0) + in_hand.get(key, 0) == reserved, key
        assert ledger_sums[key] == (on_hand, reserved), key
        assert last_rows[key] == (on_hand, reserved), key
    assert sum(r for _, r in levels.values()) == reserved_units + sum(in_hand.values())


def _invariants_hold(demo_db: Database) -> None:
    """DESIGN.md section 3 after the whole cycle, with the warehouse's stock equalities."""
    assert fulfilment_breaches(demo_db) == []
    assert invariant_breaches(demo_db) == []


def _the_whole_cycle_went_through_the_services(demo_db: Database) -> None:
    """Waves, scans, parcels, carrier scans, money and returns all left their records."""
    with demo_db.read() as conn:
        accuracy = picking_accuracy(conn)
        shipped = conn.execute(
            sa.select(shipments.c.delivered_at, shipments.c.expected_delivery_date).where(
                shipments.c.shipped_at.is_not(None)
            )
        ).all()
        tracked = set(conn.execute(sa.select(tracking_events.c.status).distinct()).scalars())
        kinds = set(conn.execute(sa.select(payments.c.kind).distinct()).scalars())
        rma = set(conn.execute(sa.select(returns.c.status).distinct()).scalars())
        refunded = conn.execute(sa.select(sa.func.count()).select_from(refunds)).scalar_one()
        published = set(conn.execute(sa.select(outbox.c.event_type).distinct()).scalars())
    # Not every pick is right first time; most are.
    assert 0.9 < accuracy["picking_accuracy"] < 1
    delivered = [s for s in shipped if s.delivered_at is not None]
    on_time = [s for s in delivered if s.delivered_at.date() <= s.expected_delivery_date]
    assert len(delivered) > len(shipped) / 2 and len(on_time) > len(delivered) * 0.7
    assert {"label_created", "picked_up", "in_transit", "out_for_delivery", "delivered"} <= tracked
    assert kinds >= {"authorized", "captured", "refunded"}
    assert "refunded" in rma and refunded > 0
    for event in ("order.wave_released", "order.picked", "order.packed", "order.shipped"):
        assert event in published, event
    assert {"order.delivered", "return.received", "refund.issued"} <= published


def _order_status_is_derived_from_its_lines_and_timelines_are_real(demo_db: Database) -> None:
    with demo_db.read() as conn:
        lines: dict[int, list[dict[Bucket, int]]] = defaultdict(list)
        for r in conn.execute(sa.select(order_lines)):
            buckets = {b: getattr(r, b.column) for b in BUCKETS}
            assert sum(buckets.values()) == r.quantity
            lines[r.order_id].append(buckets)
        events: dict[int, list[str]] = defaultdict(list)
        for oid, kind in conn.execute(
            sa.select(order_events.c.order_id, order_events.c.type).order_by(order_events.c.id)
        ):
            events[oid].append(kind)
        rows = conn.execute(sa.select(orders.c.id, orders.c.status, orders.c.hold_reason)).all()
    for r in rows:
        on_hold = r.hold_reason is not None and r.status != "cancelled"
        assert derive_status(UnitTotals.of(lines[r.id]), on_hold=on_hold).value == r.status
        assert events[r.id][0] == "order.placed"
        if r.status == "on_hold":
            assert [e for e in events[r.id] if e in ("order.held", "order.released")][
                -1
            ] == "order.held"
        if r.status == "cancelled":
            assert "order.cancelled" in events[r.id]


def _catalog_warehouses_and_bins(demo_db: Database) -> None:
    with demo_db.read() as conn:
        products = list_products(conn, limit=1000)
        sites = list_warehouses(conn)
        berlin = list_bins(conn, "BER1")
    assert len(products) == 200 and len({p["sku"] for p in products}) == 200
    assert all(len(p["barcode"]) == 13 and is_valid_gs1(p["barcode"]) for p in products)
    assert all(
        p["weight_g"] > 0 and p["length_mm"] > 0 and p["currency"] == "EUR" for p in products
    )
    assert [(w["code"], w["priority"], w["country"]) for w in sites] == [
        ("BER1", 1, "DE"),
        ("AMS1", 2, "NL"),
        ("WAW1", 3, "PL"),
    ]
    assert 90 <= len(berlin) <= 120
    codes = [b["code"] for b in berlin]
    # Serpentine walk: aisle A front to back, aisle B back to front.
    assert codes[:3] == ["A-01-1", "A-01-2", "A-02-1"]
    b_start = codes.index(next(c for c in codes if c.startswith("B-")))
    assert codes[b_start] == "B-09-1" and codes[b_start - 1] == "A-09-2"


def test_same_seed_gives_the_same_orders(db: Database, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    upgrade(url)
    other = Database(make_engine(url), clock=lambda: NOW)
    load_demo(Database(db.engine, clock=lambda: NOW), seed=3, progress=False, scale=0.04)
    load_demo(other, seed=3, progress=False, scale=0.04)

    def fingerprint(database: Database) -> list[tuple[object, ...]]:
        with database.read() as conn:
            q = sa.select(
                orders.c.external_id, orders.c.status, orders.c.request_hash, orders.c.grand_total
            )
            return [tuple(r) for r in conn.execute(q.order_by(orders.c.id))]

    assert fingerprint(db) == fingerprint(other)
    other.dispose()


def test_scale_must_be_positive(db: Database) -> None:
    with pytest.raises(InvalidInput) as err:
        load_demo(db, progress=False, scale=0)
    assert err.value.field == "scale"
    assert not has_orders(db)
