"""A year of order history for ``orderwell bench kpis``, made in memory and bulk-loaded.

Driving a million orders through the services would take hours; the bench is about
reading them. So each order's whole record is written down directly — order, lines with
their unit buckets, timeline events, waves, picks and refused scans, shipments and their
lines, returns — obeying the same rules the services and the CHECK constraints do:
buckets add up to the quantity, a pick finds at most what it expected, a return receives
at most what was requested, stages happen in order and only up to ``as_of``. The
rollup rows are computed from that same record by the review's own code
(``facts.facts_of_order``), and the smoke test rebuilds them from the loaded rows to prove
the two agree.

The mix: four channels, a third as many customers as orders (so people come back),
1-3 lines, 5% split over two warehouses, 3% cancelled, 5% partly backordered, 2% short
picks, 1% refused scans, 8% of delivered orders partly returned, 15% delivered late.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.bench.history_rows import Batch, World, order_row, wave_for
from orderwell.domain.lifecycle import BUCKETS, Bucket, UnitTotals, derive_status
from orderwell.domain.statuses import PickScanResult, PickStatus, ReturnStatus
from orderwell.review.facts import facts_of_order
from orderwell.review.kpis import OrderEvent

CHANNELS = ("web", "web", "web", "marketplace", "marketplace", "b2b", "api")
CARRIERS = ("dhl", "ups", "dpd")
REASONS = tuple(ReturnReason)
H = timedelta(hours=1)
COLUMNS = tuple((b, b.column) for b in BUCKETS)


def make_order(world: World, batch: Batch, n: int, total: int, rng: random.Random) -> None:
    """Order ``n`` of ``total``: placed evenly over ``world.days`` up to ``as_of``."""
    span = world.days * 86400
    placed = world.as_of - timedelta(seconds=span * (1 - (n + rng.random() * 0.9) / total))
    placed = placed.replace(microsecond=0)
    oid = n + 1
    channel = rng.choice(CHANNELS)
    whs = list(world.warehouses)
    home = rng.choice(whs)
    skus = rng.sample(world.skus, rng.randint(1, 3))
    split = len(skus) > 1 and rng.random() < 0.05
    cancelled = rng.random() < 0.03
    backordered_line = 0 if (not cancelled and rng.random() < 0.05) else None
    promise = placed.date() + timedelta(days=5) if rng.random() < 0.8 else None
    served = (
        placed + timedelta(hours=rng.randint(12, 120)) if backordered_line is not None else None
    )
    t_res = served or placed
    t_pick = t_res + H * rng.uniform(1, 20)
    t_pack = t_pick + H * rng.uniform(0.2, 3)
    t_ship = t_pack + H * rng.uniform(0.5, 10)
    late = rng.random() < 0.15
    t_deliv = t_ship + timedelta(days=rng.randint(1, 3) + (4 if late else 0), hours=rng.random())
    reached = [t <= world.as_of for t in (t_res, t_pick, t_pack, t_ship, t_deliv)]
    lines, events, picks, ships, rets, allocs = [], [], [], [], [], []
    line_wh: dict[int, int] = {}
    refused: set[int] = set()
    for no, sku in enumerate(skus, start=1):
        q = rng.randint(1, 3)
        lid = world.id("order_lines")
        wid = home if not (split and no == len(skus)) else whs[(whs.index(home) + 1) % len(whs)]
        line_wh[lid] = wid
        b = dict.fromkeys(BUCKETS, 0)
        bo = q if backordered_line == no - 1 else 0
        if cancelled:
            b[Bucket.CANCELLED] = q
        elif not reached[0]:
            b[Bucket.BACKORDERED], b[Bucket.RESERVED] = bo, q - bo
        else:
            stage = sum(reached[1:])
            b[
                (Bucket.RESERVED, Bucket.PICKED, Bucket.PACKED, Bucket.SHIPPED, Bucket.DELIVERED)[
                    stage
                ]
            ] = q
        line = SimpleNamespace(
            id=lid,
            order_id=oid,
            line_no=no,
            product_id=world.products[sku],
            sku=sku,
            name=f"Item {sku}",
            quantity=q,
            unit_price=Decimal("12.50"),
            discount=Decimal("0"),
            tax=Decimal("0"),
            line_total=Decimal("12.50") * q,
            **{col: b[bk] for bk, col in COLUMNS},
            bo=bo,
        )
        lines.append(line)
        if b[Bucket.RESERVED]:
            allocs.append(
                SimpleNamespace(
                    id=world.id("allocations"),
                    order_id=oid,
                    order_line_id=lid,
                    product_id=line.product_id,
                    warehouse_id=wid,
                    quantity=b[Bucket.RESERVED],
                )
            )
    bo_by_sku = {ln.sku: ln.bo for ln in lines if ln.bo}
    events.append(
        SimpleNamespace(
            type=OrderEvent.PLACED.value,
            at=placed,
            data={
                "channel": channel,
                "backordered_units": sum(bo_by_sku.values()),
                "backordered_by_sku": bo_by_sku,
            },
        )
    )
    if served is not None and reached[0]:
        events.append(
            SimpleNamespace(
                type=OrderEvent.BACKORDER_RESERVED.value, at=served, data={"sku": skus[0]}
            )
        )
    if cancelled:
        events.append(
            SimpleNamespace(
                type=OrderEvent.CANCELLED.value,
                at=min(placed + 2 * H, world.as_of),
                data={"reason": "customer_request"},
            )
        )
    if not cancelled and reached[1]:
        for ln in lines:
            wid = line_wh[ln.id]
            wave_id, list_id = wave_for(world, batch, wid, t_pick)
            common = {
                "pick_list_id": list_id,
                "wave_id": wave_id,
                "warehouse_id": wid,
                "order_id": oid,
                "order_line_id": ln.id,
                "product_id": ln.product_id,
                "bin_id": world.bins[wid],
                "sku": ln.sku,
                "tote": "T01",
                "seq": 1,
                "qty_expected": ln.quantity,
                "short_reason": None,
                "picked_by": "history",
                "picked_at": t_pick,
            }
            if rng.random() < 0.02:
                picks.append(
                    SimpleNamespace(
                        id=world.id("picks"),
                        **{
                            **common,
                            "picked_at": t_pick - H / 2,
                            "qty_picked": 0,
                            "qty_short": ln.quantity,
                            "short_reason": "not_found",
                            "status": PickStatus.SHORT,
                        },
                    )
                )
            p = SimpleNamespace(
                id=world.id("picks"),
                **common,
                qty_picked=ln.quantity,
                qty_short=0,
                status=PickStatus.PICKED,
            )
            picks.append(p)
            if rng.random() < 0.01:
                refused.add(p.id)
                batch.add(
                    "pick_scans",
                    {
                        "id": world.id("pick_scans"),
                        "pick_id": p.id,
                        "pick_list_id": list_id,
                        "picker": "history",
                        "at": t_pick - H / 4,
                        "scanned_bin": "X-99",
                        "scanned_product": ln.sku,
                        "quantity": 1,
                        "result": PickScanResult.WRONG_BIN,
                    },
                )
    if not cancelled and reached[2]:
        for wid in sorted(set(line_wh.values())):
            sid = world.id("shipments")
            status = ("packed", "shipped", "delivered")[sum(reached[3:])]
            ships.append(
                SimpleNamespace(
                    id=sid,
                    order_id=oid,
                    warehouse_id=wid,
                    status=status,
                    carrier_code=rng.choice(CARRIERS),
                    service_code="std",
                    service_name="Standard",
                    meets_promise=True,
                    promised_date=promise,
                    ship_date=t_ship.date() - timedelta(days=1 if rng.random() < 0.05 else 0),
                    expected_delivery_date=promise,
                    tracking_number=f"H{sid:012d}",
                    tracking_status=status,
                    created_by="history",
                    created_at=t_pack,
                    packed_at=t_pack,
                    label_created_at=t_pack if reached[3] else None,
                    shipped_at=t_ship if reached[3] else None,
                    delivered_at=t_deliv if reached[4] else None,
                )
            )
            for ln in lines:
                if line_wh[ln.id] == wid:
                    batch.add(
                        "shipment_lines",
                        {
                            "id": world.id("shipment_lines"),
                            "shipment_id": sid,
                            "order_line_id": ln.id,
                            "product_id": ln.product_id,
                            "sku": ln.sku,
                            "quantity": ln.quantity,
                        },
                    )
    if not cancelled and reached[4] and rng.random() < 0.08:
        ln = rng.choice(lines)
        k = rng.randint(1, ln.quantity)
        ln.qty_delivered -= k
        ln.qty_returned += k
        rid, reason = world.id("returns"), rng.choice(REASONS).value
        at = t_deliv + timedelta(days=3)
        batch.add(
            "returns",
            {
                "id": rid,
                "order_id": oid,
                "seq": 1,
                "number": f"RMA-H{rid}",
                "status": ReturnStatus.RECEIVED,
                "reason": reason,
                "source": "api",
                "requested_at": at,
                "received_at": at,
                "return_warehouse_id": line_wh[ln.id],
                "updated_at": at,
            },
        )
        rets.append(
            SimpleNamespace(
                id=world.id("return_lines"),
                return_id=rid,
                order_line_id=ln.id,
                reason=reason,
                quantity_requested=k,
                quantity_received=k,
                quantity_inspected=0,
                quantity_refunded=0,
                order_id=oid,
            )
        )
    status = derive_status(
        UnitTotals.of({bk: getattr(ln, col) for bk, col in COLUMNS} for ln in lines)
    )
    order = SimpleNamespace(
        id=oid,
        placed_at=placed,
        channel=channel,
        customer_email=f"c{rng.randrange(max(1, total // 3))}@example.com",
    )
    batch.add("orders", order_row(order, status.value, n, lines))
    for ln in lines:
        row = {k: v for k, v in vars(ln).items() if k != "bo"}
        batch.add("order_lines", row)
    for e in events:
        batch.add(
            "order_events",
            {
                "id": world.id("order_events"),
                "order_id": oid,
                "at": e.at,
                "actor": "history",
                "type": e.type,
                "summary": e.type,
                "data": e.data,
            },
        )
    for table, items in (("picks", picks), ("shipments", ships), ("allocations", allocs)):
        for item in items:
            batch.add(table, dict(vars(item)))
    for r in rets:
        batch.add("return_lines", {k: v for k, v in vars(r).items() if k != "order_id"})
    rec = SimpleNamespace(
        lines={oid: lines},
        events={oid: events},
        picks={oid: picks},
        shipments={oid: ships},
        returns={oid: rets},
        allocated={oid: allocs},
        codes=world.warehouses,
        refused=refused,
        shipment_lines={
            s.id: {ln.id for ln in lines if line_wh[ln.id] == s.warehouse_id} for s in ships
        },
    )
    batch.facts.extend(facts_of_order(rec, order))  # type: ignore[arg-type]


# Ids of one batch's rows (other than orders) stay below this many: 5,000 orders make at
# most ~30,000 rows of any table, and 1,000,000 orders stay within a 32-bit INTEGER.
STRIDE = 1_000_000


def make_batch(
    world: World, index: int, size: int, total: int, first: int = 0, seed: int = 11
) -> Batch:
    """Batch ``index`` (``size`` orders from order ``first`` on) of ``total``: the same
    rows, whichever process makes it and in whatever order the batches are made."""
    world = replace(world, base=index * STRIDE, waves={}, next_id={})
    rng = random.Random(seed * 1_000_003 + index)
    batch = Batch()
    for n in range(first + index * size, min(total, first + (index + 1) * size)):
        make_order(world, batch, n, total, rng)
    return batch


def batch_count(total: int, size: int) -> int:
    return -(-total // size)
