"""Fact rows from the raw record: what the review knows about each order, line, pick,
shipment and returned line, computed from orders, lines, the timeline, picks and scans,
shipments and returns.

``order_facts`` reads the record of a batch of orders in a few set-based queries and
returns the rows the rollup tables hold; ``kpis.summarise`` computes every KPI from the
same rows in plain Python. The rollups store them (``rollups.py``); the tests and the
bench recompute them from scratch and compare.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.aftersale.rma import ReturnStatus
from orderwell.domain.lifecycle import BUCKETS, Bucket
from orderwell.domain.statuses import PickStatus, ShipmentStatus
from orderwell.review.daily import tag_set
from orderwell.review.kpis import (
    BAD_RETURN_REASONS,
    LineFact,
    OrderEvent,
    OrderFact,
    PickFact,
    ReturnFact,
    ShipmentFact,
    Tag,
)
from orderwell.store.tables import allocations, order_events, order_lines, orders, warehouses
from orderwell.store.tables_aftersale import return_lines, returns
from orderwell.store.tables_fulfilment import pick_scans, picks, shipment_lines, shipments

_ACCEPTED_SCANS = ("ok", "short")
_KINDS = ("orders", "lines", "picks", "shipments", "returns", "tags")
_COLUMNS = tuple((b, b.column) for b in BUCKETS)
_LEFT = ("qty_shipped", "qty_delivered", "qty_returned")
_EVENTS = tuple(e.value for e in OrderEvent)


@dataclass(slots=True)
class Facts:
    """Every fact row of a set of orders."""

    orders: list[OrderFact] = field(default_factory=list)
    lines: list[LineFact] = field(default_factory=list)
    picks: list[PickFact] = field(default_factory=list)
    shipments: list[ShipmentFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)

    def canonical(self) -> dict[str, list[Any]]:
        """Every list in one fixed order, to compare two sets of facts."""
        return {name: sorted(getattr(self, name), key=repr) for name in _KINDS}

    def extend(self, other: Facts) -> None:
        for name in _KINDS:
            getattr(self, name).extend(getattr(other, name))


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _latest(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _by_order(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.order_id].append(r)
    return grouped


class _Record:
    """The raw rows of a batch of orders, grouped by order."""

    def __init__(self, conn: Connection, ids: Sequence[int]) -> None:
        self.orders = conn.execute(
            sa.select(
                orders.c.id, orders.c.placed_at, orders.c.channel, orders.c.customer_email
            ).where(orders.c.id.in_(ids))
        ).all()
        self.lines = _by_order(
            conn.execute(
                sa.select(order_lines)
                .where(order_lines.c.order_id.in_(ids))
                .order_by(order_lines.c.id)
            )
        )
        self.events = _by_order(
            conn.execute(
                sa.select(
                    order_events.c.order_id,
                    order_events.c.type,
                    order_events.c.at,
                    order_events.c.data,
                )
                .where(order_events.c.order_id.in_(ids), order_events.c.type.in_(_EVENTS))
                .order_by(order_events.c.id)
            )
        )
        codes = dict(conn.execute(sa.select(warehouses.c.id, warehouses.c.code)).all())
        self.codes = {int(k): str(v) for k, v in codes.items()}
        self.picks = _by_order(
            conn.execute(
                sa.select(picks).where(picks.c.order_id.in_(ids), picks.c.status != PickStatus.OPEN)
            )
        )
        self.refused = set(
            conn.execute(
                sa.select(pick_scans.c.pick_id)
                .join(picks, picks.c.id == pick_scans.c.pick_id)
                .where(picks.c.order_id.in_(ids), pick_scans.c.result.not_in(_ACCEPTED_SCANS))
            ).scalars()
        )
        self.shipments = _by_order(
            conn.execute(
                sa.select(shipments).where(
                    shipments.c.order_id.in_(ids), shipments.c.status != ShipmentStatus.CANCELLED
                )
            )
        )
        self.shipment_lines: dict[int, set[int]] = defaultdict(set)
        for sid, line_id in conn.execute(
            sa.select(shipment_lines.c.shipment_id, shipment_lines.c.order_line_id)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .where(shipments.c.order_id.in_(ids))
        ):
            self.shipment_lines[sid].add(line_id)
        self.returns = _by_order(
            conn.execute(
                sa.select(
                    return_lines.c.id,
                    return_lines.c.order_line_id,
                    return_lines.c.reason,
                    return_lines.c.quantity_received,
                    returns.c.order_id,
                )
                .join(returns, returns.c.id == return_lines.c.return_id)
                .where(returns.c.order_id.in_(ids), returns.c.status != ReturnStatus.REJECTED)
            )
        )
        self.allocated = _by_order(
            conn.execute(
                sa.select(allocations.c.order_id, allocations.c.warehouse_id).where(
                    allocations.c.order_id.in_(ids), allocations.c.quantity > 0
                )
            )
        )


def order_facts(conn: Connection, order_ids: Iterable[int], *, chunk: int = 500) -> Facts:
    """The fact rows of ``order_ids``, computed from the raw record."""
    ids = sorted(set(order_ids))
    facts = Facts()
    for start in range(0, len(ids), chunk):
        rec = _Record(conn, ids[start : start + chunk])
        for o in rec.orders:
            facts.extend(facts_of_order(rec, o))
    return facts


def all_order_ids(conn: Connection) -> list[int]:
    return list(conn.execute(sa.select(orders.c.id).order_by(orders.c.id)).scalars())


def _backordered_at_placement(placed: Any, lines: list[Any]) -> dict[int, int]:
    """line id -> units backordered when the order was placed, from its order.placed event."""
    data = dict(placed.data) if placed is not None else {}
    by_sku = data.get("backordered_by_sku")
    if isinstance(by_sku, dict):
        return {ln.id: int(by_sku.get(ln.sku, 0)) for ln in lines}
    # Orders placed before the event named SKUs: spread the total over the lines in order.
    left = int(data.get("backordered_units", 0) or 0)
    result = {}
    for ln in lines:
        take = min(left, ln.quantity)
        result[ln.id] = take
        left -= take
    return result


def facts_of_order(rec: _Record, o: Any) -> Facts:
    lines = rec.lines.get(o.id, [])
    events = rec.events.get(o.id, [])
    pick_rows = rec.picks.get(o.id, [])
    ships = rec.shipments.get(o.id, [])
    ret_rows = rec.returns.get(o.id, [])
    total = {b: sum(int(getattr(ln, col)) for ln in lines) for b, col in _COLUMNS}
    units = sum(int(ln.quantity) for ln in lines)
    live = units - total[Bucket.CANCELLED]
    placed = next((e for e in events if e.type == OrderEvent.PLACED), None)
    backordered = _backordered_at_placement(placed, lines)
    served = [e.at for e in events if e.type == OrderEvent.BACKORDER_RESERVED]
    waiting = total[Bucket.BACKORDERED]

    def reached(*before: Bucket) -> bool:
        return live > 0 and sum(total[b] for b in before) == 0

    reserved_at = _latest([o.placed_at, *served]) if reached(Bucket.BACKORDERED) else None
    early: tuple[Bucket, ...] = (Bucket.BACKORDERED, Bucket.RESERVED)
    picked_at = (
        _latest(p.picked_at for p in pick_rows if p.qty_picked > 0) if reached(*early) else None
    )
    early += (Bucket.PICKED,)
    packed_at = _latest(s.packed_at for s in ships) if reached(*early) else None
    early += (Bucket.PACKED,)
    shipped_at = _latest(s.shipped_at for s in ships) if reached(*early) else None
    early += (Bucket.SHIPPED,)
    delivered_at = _latest(s.delivered_at for s in ships) if reached(*early) else None

    short_picked = any(p.qty_short > 0 for p in pick_rows)
    bad_return = any(r.reason in BAD_RETURN_REASONS for r in ret_rows)
    on_time = all(
        s.delivered_at is not None and s.delivered_at.date() <= s.promised_date
        for s in ships
        if s.promised_date is not None
    )
    settled = reached(*early) or live == 0
    backorder_wait = None
    if sum(backordered.values()) and waiting == 0:
        cleared = [e.at for e in events if e.type != OrderEvent.PLACED]
        backorder_wait = _seconds(o.placed_at, _latest([o.placed_at, *cleared]))
    left = sum(total[b] for b in (Bucket.SHIPPED, Bucket.DELIVERED, Bucket.RETURNED))
    perfect = (
        settled
        and live == units
        and delivered_at is not None
        and on_time
        and not short_picked
        and not bad_return
    )
    sites = {rec.codes[a.warehouse_id] for a in rec.allocated.get(o.id, [])}
    sites |= {rec.codes[p.warehouse_id] for p in pick_rows}
    sites |= {rec.codes[s.warehouse_id] for s in ships}
    carriers = {s.carrier_code for s in ships if s.carrier_code}
    facts = Facts()
    facts.orders.append(
        OrderFact(
            order_id=o.id,
            placed_at=o.placed_at,
            channel=o.channel,
            customer_email=o.customer_email,
            units=units,
            units_backordered_at_placement=sum(backordered.values()),
            units_cancelled=total[Bucket.CANCELLED],
            units_shipped=left,
            units_returned=total[Bucket.RETURNED],
            cancelled=live == 0,
            short_picked=short_picked,
            bad_return=bad_return,
            on_time=on_time,
            settled=settled,
            perfect=perfect,
            backorder_wait_s=backorder_wait,
            lead_s=(
                _seconds(o.placed_at, reserved_at),
                _seconds(reserved_at, picked_at),
                _seconds(picked_at, packed_at),
                _seconds(packed_at, shipped_at),
                _seconds(shipped_at, delivered_at),
                _seconds(o.placed_at, delivered_at),
            ),
            warehouses=tag_set(sites),
            carriers=tag_set(carriers),
        )
    )
    common = {"order_id": o.id, "placed_at": o.placed_at, "channel": o.channel}
    short_by_line: dict[int, int] = defaultdict(int)
    for p in pick_rows:
        short_by_line[p.order_line_id] += int(p.qty_short)
        facts.picks.append(
            PickFact(
                pick_id=p.id,
                warehouse=rec.codes[p.warehouse_id],
                sku=p.sku,
                correct=p.status == PickStatus.PICKED and p.id not in rec.refused,
                short=p.status == PickStatus.SHORT,
                **common,
            )
        )
    for ln in lines:
        facts.lines.append(
            LineFact(
                order_line_id=ln.id,
                sku=ln.sku,
                units=int(ln.quantity),
                units_backordered_at_placement=backordered[ln.id],
                units_short_picked=short_by_line[ln.id],
                units_shipped=sum(int(getattr(ln, col)) for col in _LEFT),
                units_returned=int(ln.qty_returned),
                **common,
            )
        )
    sku_of = {ln.id: ln.sku for ln in lines}
    wrong_lines = {r.order_line_id for r in ret_rows if r.reason == ReturnReason.WRONG_ITEM}
    for s in ships:
        facts.shipments.append(_shipment_fact(rec, s, wrong_lines, common))
    for r in ret_rows:
        if r.quantity_received > 0:
            facts.returns.append(
                ReturnFact(
                    return_line_id=r.id,
                    sku=sku_of[r.order_line_id],
                    reason=r.reason,
                    units=int(r.quantity_received),
                    **common,
                )
            )
    facts.tags += [Tag("warehouse", w, o.id) for w in sorted(sites)]
    facts.tags += [Tag("carrier", c, o.id) for c in sorted(carriers)]
    facts.tags += [Tag("sku", s, o.id) for s in sorted({ln.sku for ln in lines})]
    return facts


def _shipment_fact(
    rec: _Record, s: Any, wrong_lines: set[int], common: dict[str, Any]
) -> ShipmentFact:
    shipped_on_time = None
    if s.shipped_at is not None and s.promised_date is not None:
        shipped_on_time = s.meets_promise is not False and (
            s.ship_date is None or s.shipped_at.date() <= s.ship_date
        )
    delivered_on_time = None
    if s.delivered_at is not None and s.promised_date is not None:
        delivered_on_time = s.delivered_at.date() <= s.promised_date
    return ShipmentFact(
        shipment_id=s.id,
        warehouse=rec.codes[s.warehouse_id],
        carrier=s.carrier_code,
        packed=s.packed_at is not None,
        wrong_item=bool(rec.shipment_lines.get(s.id, set()) & wrong_lines),
        shipped_on_time=shipped_on_time,
        delivered_on_time=delivered_on_time,
        **common,
    )
