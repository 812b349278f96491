"""Step 3a: release reserved orders of one warehouse into pick waves and pick lists.

What is released: units reserved at the warehouse (``allocations``) that are not already
on an open pick, of orders not on hold. An order with backordered units is released
only when it may ship partially -- otherwise it waits for the rest rather than tying up
a tote. Bins are chosen in walk order from what each bin holds minus what open picks
already expect to take from it. Grouping, ordering and the pick path are the pure
``domain.waves.plan_waves``; this module reads, plans, and writes the result in one
transaction, with the warehouse row locked so two releases cannot wave the same units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, NotFound
from orderwell.domain.events import EventType
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import PickListStatus, PickStatus, WaveStatus
from orderwell.http.answers import closed
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import (
    allocations,
    bin_stock,
    bins,
    order_lines,
    orders,
    warehouses,
)
from orderwell.store.tables_fulfilment import pick_lists, picks, waves
from orderwell.store.timeline import record
from orderwell.warehouse.carriers.adapter import CarrierAdapter, TableRateCarrier
from orderwell.warehouse.carriers.services import Service
from orderwell.warehouse.wave_planning import (
    PickLine,
    PickWave,
    ReservedOrder,
    WaveRules,
    plan_waves,
)

Limit = Annotated[int, Field(ge=1, le=100_000, strict=True)]
OrderRef = Annotated[str, Field(min_length=1, max_length=40)]
# How urgent a shipping method is when waves are ordered (higher first).
PRIORITY_BY_LEVEL = {"overnight": 20, "two_day": 10}


class WaveRelease(BaseModel):
    """Rules for one release; see ``domain.waves.WaveRules`` for what each limit means."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    warehouse: Annotated[str, Field(min_length=1, max_length=20)]
    max_orders_per_wave: Limit = 96
    max_units_per_wave: Limit = 600
    pickers: Annotated[int, Field(ge=1, le=500, strict=True)] = 4
    totes_per_picker: Annotated[int, Field(ge=1, le=200, strict=True)] = 24
    separate_single_line: bool = True
    # Order numbers (or ids) to release; None releases every releasable order.
    orders: Annotated[list[OrderRef] | None, Field(default=None, min_length=1, max_length=1000)] = (
        None
    )

    def chosen(self, numbers: OrderNumbers) -> set[int] | None:
        if self.orders is None:
            return None
        try:
            return {numbers.parse(ref) for ref in self.orders}
        except NotFound as exc:
            raise InvalidInput(exc.message, field="orders") from None

    def rules(self) -> WaveRules:
        return WaveRules(
            max_orders_per_wave=self.max_orders_per_wave,
            max_units_per_wave=self.max_units_per_wave,
            pickers=self.pickers,
            totes_per_picker=self.totes_per_picker,
            separate_single_line=self.separate_single_line,
        )


@closed  # its schema in /openapi.json lists every member
@dataclass(slots=True)
class ReleasedWave:
    id: int
    code: str
    orders: int
    units: int
    single_line: bool
    pick_list_ids: list[int] = field(default_factory=list)


def release_waves(
    db: Database, item: WaveRelease, *, actor: str, carrier: CarrierAdapter | None = None
) -> list[ReleasedWave]:
    """Release every releasable order of the warehouse; an empty list when there is none."""
    rules = item.rules()
    chosen = item.chosen(db.numbers)
    services = _services(carrier or TableRateCarrier())

    def work(conn: Connection) -> list[ReleasedWave]:
        now = db.clock()
        wid = warehouse_id_for_code(conn, item.warehouse)
        lock = sa.select(warehouses.c.id).where(warehouses.c.id == wid)
        if conn.dialect.name == "postgresql":
            conn.execute(lock.with_for_update())
        candidates = releasable_orders(conn, wid, item.warehouse, services, now, db.numbers)
        if chosen is not None:
            candidates = [c for c in candidates if int(c.order_id) in chosen]
        if not candidates:
            return []
        plan = plan_waves(candidates, rules)
        return _save(conn, wid, item.warehouse, plan, candidates, rules, actor, now)

    return db.write(work)


def releasable(
    db: Database, warehouse: str, *, carrier: CarrierAdapter | None = None
) -> list[ReservedOrder]:
    """What a release would take now: the orders a person may choose from."""
    services = _services(carrier or TableRateCarrier())
    with db.read() as conn:
        wid = warehouse_id_for_code(conn, warehouse)
        return releasable_orders(conn, wid, warehouse, services, db.clock(), db.numbers)


def _services(carrier: CarrierAdapter) -> list[Service]:
    table = getattr(carrier, "carrier", None)
    return list(table.services) if table is not None else []


def _cutoff(
    method: str | None, services: list[Service], now: datetime
) -> tuple[datetime | None, int]:
    """Today's carrier cut-off for the order's shipping method, and the method's priority."""
    chosen = next(
        (s for s in services if method and method.lower() in (s.code.lower(), s.service_level)),
        None,
    )
    if chosen is None and services:
        chosen = max(services, key=lambda s: s.cutoff_local)  # the most lenient collection
    if chosen is None:
        return None, 0
    cutoff = datetime.combine(now.date(), chosen.cutoff_local, tzinfo=UTC)
    if cutoff < now:
        cutoff += timedelta(days=1)
    return cutoff, PRIORITY_BY_LEVEL.get(chosen.service_level, 0)


def releasable_orders(
    conn: Connection,
    warehouse_id: int,
    warehouse_code: str,
    services: list[Service],
    now: datetime,
    numbers: OrderNumbers,
) -> list[ReservedOrder]:
    """Orders with units reserved here and not yet on a pick, as the planner's input."""
    open_picks = (
        sa.select(picks.c.order_line_id, sa.func.sum(picks.c.qty_expected).label("waved"))
        .where(picks.c.warehouse_id == warehouse_id, picks.c.status == PickStatus.OPEN)
        .group_by(picks.c.order_line_id)
        .subquery()
    )
    other_lines = order_lines.alias("other_lines")
    backordered = (
        sa.exists()
        .where(other_lines.c.order_id == orders.c.id, other_lines.c.qty_backordered > 0)
        .correlate(orders)
    )
    to_pick = allocations.c.quantity - sa.func.coalesce(open_picks.c.waved, 0)
    rows = conn.execute(
        sa.select(
            allocations.c.order_id,
            allocations.c.order_line_id,
            allocations.c.product_id,
            to_pick.label("qty"),
            order_lines.c.sku,
            orders.c.placed_at,
            orders.c.requested_delivery_date,
            orders.c.shipping_method,
        )
        .join(orders, orders.c.id == allocations.c.order_id)
        .join(order_lines, order_lines.c.id == allocations.c.order_line_id)
        .outerjoin(open_picks, open_picks.c.order_line_id == allocations.c.order_line_id)
        .where(
            allocations.c.warehouse_id == warehouse_id,
            to_pick > 0,
            orders.c.hold_reason.is_(None),
            sa.or_(orders.c.allow_partial_shipment, sa.not_(backordered)),
        )
        .order_by(allocations.c.order_id, order_lines.c.line_no)
    ).all()
    if not rows:
        return []
    free = _bin_space(conn, warehouse_id, {r.product_id for r in rows})
    by_order: dict[int, list[PickLine]] = defaultdict(list)
    meta: dict[int, Any] = {}
    for r in rows:
        meta[r.order_id] = r
        left = r.qty
        slots = free.get(r.product_id, [])
        for slot in slots:
            take = min(left, slot[2])
            if take <= 0:
                continue
            slot[2] -= take
            by_order[r.order_id].append(
                PickLine(str(r.order_line_id), r.sku, slot[0], slot[1], take)
            )
            left -= take
            if left == 0:
                break
        if left and slots:  # the bins say fewer than we hold: the picker will short it
            by_order[r.order_id].append(
                PickLine(str(r.order_line_id), r.sku, slots[0][0], slots[0][1], left)
            )
    result = []
    for oid, lines in by_order.items():
        m = meta[oid]
        cutoff, priority = _cutoff(m.shipping_method, services, now)
        result.append(
            ReservedOrder(
                order_id=str(oid),
                order_number=numbers.number(oid),
                warehouse_code=warehouse_code,
                carrier_cutoff=cutoff,
                priority=priority,
                promised_date=m.requested_delivery_date,
                placed_at=m.placed_at,
                lines=tuple(lines),
            )
        )
    return result


def _bin_space(
    conn: Connection, warehouse_id: int, product_ids: set[int]
) -> dict[int, list[list[Any]]]:
    """product -> [[bin code, walk sequence, units not yet promised to an open pick]]."""
    promised = _promised(conn, warehouse_id)
    rows = conn.execute(
        sa.select(
            bin_stock.c.product_id,
            bin_stock.c.bin_id,
            bin_stock.c.on_hand,
            bins.c.code,
            bins.c.walk_sequence,
        )
        .join(bins, bins.c.id == bin_stock.c.bin_id)
        .where(
            bins.c.warehouse_id == warehouse_id,
            bins.c.active,
            bin_stock.c.product_id.in_(sorted(product_ids)),
            bin_stock.c.on_hand > 0,
        )
        .order_by(bin_stock.c.product_id, bins.c.walk_sequence, bins.c.code)
    ).all()
    space: dict[int, list[list[Any]]] = defaultdict(list)
    for r in rows:
        space[r.product_id].append(
            [r.code, r.walk_sequence, r.on_hand - promised.get((r.bin_id, r.product_id), 0)]
        )
    return space


def _promised(conn: Connection, warehouse_id: int) -> dict[tuple[int, int], int]:
    rows = conn.execute(
        sa.select(picks.c.bin_id, picks.c.product_id, sa.func.sum(picks.c.qty_expected))
        .where(picks.c.warehouse_id == warehouse_id, picks.c.status == PickStatus.OPEN)
        .group_by(picks.c.bin_id, picks.c.product_id)
    ).all()
    return {(b, p): int(q) for b, p, q in rows}


def _save(
    conn: Connection,
    warehouse_id: int,
    warehouse_code: str,
    plan: list[PickWave],
    candidates: list[ReservedOrder],
    rules: WaveRules,
    actor: str,
    now: datetime,
) -> list[ReleasedWave]:
    # Codes run on per warehouse; the warehouse row lock keeps the count honest.
    base = conn.execute(
        sa.select(sa.func.count()).select_from(waves).where(waves.c.warehouse_id == warehouse_id)
    ).scalar_one()
    bin_ids = dict(
        conn.execute(
            sa.select(bins.c.code, bins.c.id).where(bins.c.warehouse_id == warehouse_id)
        ).all()
    )
    line_ids = sorted({int(ln.order_line_id) for o in candidates for ln in o.lines})
    product_of = dict(
        conn.execute(
            sa.select(order_lines.c.id, order_lines.c.product_id).where(
                order_lines.c.id.in_(line_ids)
            )
        ).all()
    )
    released: list[ReleasedWave] = []
    wave_of_order: dict[str, tuple[str, str]] = {}
    pick_rows: list[dict[str, Any]] = []
    for n, wave in enumerate(plan, start=base + 1):
        code = f"W-{warehouse_code}-{n:05d}"
        wave_id = conn.execute(
            sa.insert(waves)
            .values(
                code=code,
                warehouse_id=warehouse_id,
                single_line=wave.single_line,
                status=WaveStatus.RELEASED,
                orders=len(wave.order_ids),
                units=wave.units,
                earliest_cutoff=wave.earliest_cutoff,
                rules=asdict(rules),
                released_by=actor,
                released_at=now,
            )
            .returning(waves.c.id)
        ).scalar_one()
        out = ReleasedWave(wave_id, code, len(wave.order_ids), wave.units, wave.single_line)
        for pl in wave.pick_lists:
            list_id = conn.execute(
                sa.insert(pick_lists)
                .values(
                    wave_id=wave_id,
                    picker_no=pl.picker,
                    status=PickListStatus.OPEN,
                    units=pl.units,
                    totes=[list(t) for t in pl.totes],
                )
                .returning(pick_lists.c.id)
            ).scalar_one()
            out.pick_list_ids.append(list_id)
            for seq, pk in enumerate(pl.picks, start=1):
                line_id = int(pk.order_line_id)
                wave_of_order[pk.order_id] = (code, pk.tote)
                pick_rows.append(
                    {
                        "pick_list_id": list_id,
                        "wave_id": wave_id,
                        "warehouse_id": warehouse_id,
                        "order_id": int(pk.order_id),
                        "order_line_id": line_id,
                        "product_id": product_of[line_id],
                        "bin_id": bin_ids[pk.bin_code],
                        "sku": pk.sku,
                        "tote": pk.tote,
                        "seq": seq,
                        "qty_expected": pk.quantity,
                        "status": PickStatus.OPEN,
                    }
                )
        released.append(out)
    conn.execute(sa.insert(picks), pick_rows)
    for order in candidates:
        code, tote = wave_of_order[order.order_id]
        record(
            conn,
            int(order.order_id),
            EventType.ORDER_WAVE_RELEASED,
            f"{order.units} unit(s) released to pick wave {code}, tote {tote}",
            actor=actor,
            at=now,
            data={"wave": code, "tote": tote, "warehouse": warehouse_code, "units": order.units},
        )
    return released
