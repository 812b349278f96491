"""STAND-IN for the warehouse execution services, until services/shipping.py exists.

The after-sale tests need orders whose units have shipped (and some delivered). The real
path is waves -> picking -> packing -> shipping (issue 3); its shipping step was not
written yet when these tests were, so ``ship_order`` does what those services do to the
shared state, with the same building blocks and the same stock effects:

- pick: allocation down, units reserved -> picked, the bin goes down (``pick_from_bin``);
- pack and ship: units picked -> packed -> shipped, on_hand and reserved go down together
  (``consume_reserved`` with kind ``ship``), and a ``shipments`` row with its lines and
  ``shipped_at`` (what the return window counts from);
- ``deliver_order``: units shipped -> delivered and ``delivered_at`` on the shipment.

Replace the calls with the real services once they exist; the assertions in the tests do
not depend on which one moved the units.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.lifecycle import Bucket
from orderwell.services import stock as stock_moves
from orderwell.services.lines import move_line_units, refresh_status
from orderwell.services.stock import Ledger
from orderwell.store.db import Database
from orderwell.store.tables import allocations, bins, order_lines
from orderwell.store.tables_fulfilment import picks, shipment_lines, shipments


def _first_bin(conn: Connection, warehouse_id: int) -> int:
    return int(
        conn.execute(
            sa.select(bins.c.id)
            .where(bins.c.warehouse_id == warehouse_id)
            .order_by(bins.c.walk_sequence)
            .limit(1)
        ).scalar_one()
    )


def pick_order(db: Database, order_id: int) -> None:
    """Every reserved unit picked from its warehouse's first bin into a tote."""

    def work(conn: Connection) -> None:
        now = db.clock()
        ledger = Ledger(actor="stand-in:picker", at=now)
        for a in conn.execute(
            sa.select(allocations).where(
                allocations.c.order_id == order_id, allocations.c.quantity > 0
            )
        ).all():
            bin_id = _first_bin(conn, a.warehouse_id)
            conn.execute(sa.update(allocations).where(allocations.c.id == a.id).values(quantity=0))
            move_line_units(conn, a.order_line_id, Bucket.RESERVED, Bucket.PICKED, a.quantity)
            stock_moves.pick_from_bin(
                conn,
                ledger,
                product_id=a.product_id,
                warehouse_id=a.warehouse_id,
                bin_id=bin_id,
                qty=a.quantity,
                order_id=order_id,
                note="stand-in pick",
            )
            # What picking.py leaves behind: the pick, so a late cancel knows the bin.
            sku = conn.execute(
                sa.select(order_lines.c.sku).where(order_lines.c.id == a.order_line_id)
            ).scalar_one()
            conn.execute(
                sa.insert(picks).values(
                    pick_list_id=_stand_in_pick_list(conn, a.warehouse_id, now),
                    wave_id=_stand_in_wave(conn, a.warehouse_id, now),
                    warehouse_id=a.warehouse_id,
                    order_id=order_id,
                    order_line_id=a.order_line_id,
                    product_id=a.product_id,
                    bin_id=bin_id,
                    sku=sku,
                    tote="T-1",
                    seq=1,
                    qty_expected=a.quantity,
                    qty_picked=a.quantity,
                    status="picked",
                    picked_by="stand-in:picker",
                    picked_at=now,
                )
            )
        ledger.flush(conn)
        refresh_status(conn, order_id, now)

    db.write(work)


def _stand_in_wave(conn: Connection, warehouse_id: int, now: datetime) -> int:
    from orderwell.store.tables_fulfilment import waves

    code = f"STAND-IN-{warehouse_id}"
    found = conn.execute(sa.select(waves.c.id).where(waves.c.code == code)).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            sa.insert(waves)
            .values(
                code=code,
                warehouse_id=warehouse_id,
                status="done",
                orders=0,
                units=0,
                rules={},
                released_by="stand-in",
                released_at=now,
            )
            .returning(waves.c.id)
        ).scalar_one()
    )


def _stand_in_pick_list(conn: Connection, warehouse_id: int, now: datetime) -> int:
    from orderwell.store.tables_fulfilment import pick_lists

    wave_id = _stand_in_wave(conn, warehouse_id, now)
    found = conn.execute(sa.select(pick_lists.c.id).where(pick_lists.c.wave_id == wave_id)).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            sa.insert(pick_lists)
            .values(wave_id=wave_id, picker_no=1, status="done", units=0, totes=[])
            .returning(pick_lists.c.id)
        ).scalar_one()
    )


def ship_order(db: Database, order_id: int) -> None:
    """Pick (if not yet), pack and ship every reserved or picked unit of the order."""
    pick_order(db, order_id)

    def work(conn: Connection) -> None:
        now = db.clock()
        ledger = Ledger(actor="stand-in:shipper", at=now)
        lines = conn.execute(
            sa.select(order_lines).where(
                order_lines.c.order_id == order_id, order_lines.c.qty_picked > 0
            )
        ).all()
        by_warehouse: dict[int, list[tuple[int, int, str, int]]] = {}
        for ln in lines:
            wid = conn.execute(
                sa.select(picks.c.warehouse_id)
                .where(picks.c.order_line_id == ln.id)
                .order_by(picks.c.id.desc())
                .limit(1)
            ).scalar_one()
            by_warehouse.setdefault(int(wid), []).append(
                (ln.id, ln.product_id, ln.sku, ln.qty_picked)
            )
        for wid, items in sorted(by_warehouse.items()):
            shipment_id = conn.execute(
                sa.insert(shipments)
                .values(
                    order_id=order_id,
                    warehouse_id=wid,
                    status="shipped",
                    carrier_code="table",
                    created_by="stand-in",
                    created_at=now,
                    packed_at=now,
                    shipped_at=now,
                )
                .returning(shipments.c.id)
            ).scalar_one()
            for line_id, product_id, sku, qty in items:
                conn.execute(
                    sa.insert(shipment_lines).values(
                        shipment_id=shipment_id,
                        order_line_id=line_id,
                        product_id=product_id,
                        sku=sku,
                        quantity=qty,
                    )
                )
                move_line_units(conn, line_id, Bucket.PICKED, Bucket.PACKED, qty)
                move_line_units(conn, line_id, Bucket.PACKED, Bucket.SHIPPED, qty)
                stock_moves.consume_reserved(
                    conn,
                    ledger,
                    product_id=product_id,
                    warehouse_id=wid,
                    qty=qty,
                    order_id=order_id,
                    kind="ship",
                )
        ledger.flush(conn)
        refresh_status(conn, order_id, now)

    db.write(work)


def deliver_order(db: Database, order_id: int) -> None:
    """The carrier reports delivery: every shipped unit delivered, now."""

    def work(conn: Connection) -> None:
        now = db.clock()
        for ln in conn.execute(
            sa.select(order_lines.c.id, order_lines.c.qty_shipped).where(
                order_lines.c.order_id == order_id, order_lines.c.qty_shipped > 0
            )
        ).all():
            move_line_units(conn, ln.id, Bucket.SHIPPED, Bucket.DELIVERED, ln.qty_shipped)
        conn.execute(
            sa.update(shipments)
            .where(shipments.c.order_id == order_id, shipments.c.delivered_at.is_(None))
            .values(status="delivered", delivered_at=now)
        )
        refresh_status(conn, order_id, now)

    db.write(work)
