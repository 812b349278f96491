"""Stock levels to the channels, coalesced: many changes to a SKU make one update.

Every stock change writes a ``stock_ledger`` row. ``note_changes`` reads new ledger rows
and marks (channel, product) as changed up to that row (``channel_stock.changed_seq``,
only ever raised); the first change after a push makes the row due ``window_s`` later,
and later changes do not move that time. ``push`` then sends the level *as it is when
sent* (free = on hand - reserved, per mapped location) and records the ledger row it
covered (``pushed_seq``). So 1,000 changes to one SKU within the window are one update;
a change that lands while a push is under way makes the row due again.

Ledger ids become visible at commit, not in id order (PostgreSQL), so the stored cursor
only moves past rows older than ``SETTLE``; newer rows are read again, which is harmless
because marking is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.config import Channel, as_channel
from orderwell.channels.health import mark_failure, mark_ok
from orderwell.channels.platform_http import PlatformError
from orderwell.channels.pushes import backoff
from orderwell.channels.storefronts import Storefront
from orderwell.domain.channels import PUSHING_KINDS, SyncDirection
from orderwell.domain.errors import OrderwellError
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables import products, stock, stock_ledger, warehouses
from orderwell.store.tables_channels import channel_listings, channel_stock, channels
from orderwell.store.tables_outbound import worker_cursors

log = logging.getLogger(__name__)
CURSOR = "channel_stock"
SETTLE = timedelta(minutes=2)


class StockSync:
    def __init__(self, db: Database, *, window_s: float = 1.0, batch: int = 5000) -> None:
        self.db, self.window, self.batch = db, timedelta(seconds=window_s), batch
        self._seen = 0  # read up to here in this process (the stored cursor may lag)

    def note_changes(self) -> int:
        def work(conn: Connection) -> int:
            now = self.db.clock()
            conn.execute(
                dialect_insert(conn, worker_cursors)
                .values(name=CURSOR, last_seq=0, updated_at=now)
                .on_conflict_do_nothing()
            )
            cursor = int(
                conn.execute(
                    sa.select(worker_cursors.c.last_seq).where(worker_cursors.c.name == CURSOR)
                ).scalar_one()
            )
            start = max(cursor, self._seen)
            rows = conn.execute(
                sa.select(stock_ledger.c.id, stock_ledger.c.product_id)
                .where(stock_ledger.c.id > start)
                .order_by(stock_ledger.c.id)
                .limit(self.batch)
            ).all()
            if rows:
                _mark(conn, rows, now + self.window)
                self._seen = int(rows[-1].id)
            _advance(conn, cursor, now)
            return len(rows)

        return self.db.write(work)

    def push(self, fronts: dict[int, Storefront], open_front: Any, box: Any) -> int:
        now = self.db.clock()
        with self.db.read() as conn:
            due = conn.execute(
                sa.select(channel_stock, products.c.sku)
                .join(products, products.c.id == channel_stock.c.product_id)
                .where(
                    channel_stock.c.changed_seq > channel_stock.c.pushed_seq,
                    channel_stock.c.next_attempt_at <= now,
                )
                .order_by(channel_stock.c.next_attempt_at)
                .limit(200)
            ).all()
            if not due:
                return 0
            chans = {
                r.id: as_channel(r, box)
                for r in conn.execute(
                    sa.select(channels).where(channels.c.id.in_({d.channel_id for d in due}))
                )
            }
        done = 0
        for row in due:
            channel = chans[row.channel_id]
            if not channel.active:
                continue
            try:
                front = fronts.get(channel.id) or fronts.setdefault(channel.id, open_front(channel))
                self._push_one(front, channel, row)
                done += 1
            except (PlatformError, OrderwellError) as exc:
                retry_after = getattr(exc, "retry_after_s", None)
                wait = backoff(row.attempts + 1, retry_after)
                log.warning("stock of %s to %s: %s", row.sku, channel.name, exc.message)
                self._record_failure(row, exc.message, wait, channel)
        return done

    def _record_failure(self, row: Any, error: str, wait_s: float, channel: Channel) -> None:
        def work(conn: Connection) -> None:
            _failed(conn, row, error, wait_s, channel, self.db.clock())

        self.db.write(work)

    def _push_one(self, front: Storefront, channel: Channel, row: Any) -> None:
        with self.db.read() as conn:
            listing = conn.execute(
                sa.select(channel_listings).where(
                    channel_listings.c.channel_id == channel.id,
                    channel_listings.c.sku == row.sku,
                )
            ).first()
            levels = _levels(conn, channel, row.product_id, per_location=front.pushes_per_location)
        learnt = front.set_stock(listing, levels) if listing is not None and levels else {}

        def work(conn: Connection) -> None:
            now = self.db.clock()
            if learnt:
                conn.execute(
                    sa.update(channel_listings)
                    .where(
                        channel_listings.c.channel_id == channel.id,
                        channel_listings.c.sku == row.sku,
                    )
                    .values(**learnt)
                )
            conn.execute(
                sa.update(channel_stock)
                .where(
                    channel_stock.c.channel_id == channel.id,
                    channel_stock.c.product_id == row.product_id,
                )
                .values(
                    pushed_seq=row.changed_seq,
                    attempts=0,
                    last_error=None,
                    next_attempt_at=now + self.window,
                )
            )
            mark_ok(conn, channel.id, SyncDirection.OUTBOUND, now)

        self.db.write(work)


def _mark(conn: Connection, rows: Sequence[Any], due: datetime) -> None:
    newest: dict[int, int] = {}
    for r in rows:
        newest[r.product_id] = max(newest.get(r.product_id, 0), int(r.id))
    listed = conn.execute(
        sa.select(channels.c.id, products.c.id)
        .join(channel_listings, channel_listings.c.channel_id == channels.c.id)
        .join(products, products.c.sku == channel_listings.c.sku)
        .where(
            channels.c.kind.in_([k.value for k in PUSHING_KINDS]),
            products.c.id.in_(newest),
        )
    ).all()
    if not listed:
        return
    t = channel_stock
    ins = dialect_insert(conn, t)
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=["channel_id", "product_id"],
            set_={
                # Pending already: keep its time (that is the coalescing); else due anew.
                "next_attempt_at": sa.case(
                    (t.c.changed_seq > t.c.pushed_seq, t.c.next_attempt_at),
                    else_=ins.excluded.next_attempt_at,
                ),
                "changed_seq": sa.case(
                    (ins.excluded.changed_seq > t.c.changed_seq, ins.excluded.changed_seq),
                    else_=t.c.changed_seq,
                ),
            },
        ),
        [
            {
                "channel_id": cid,
                "product_id": pid,
                "changed_seq": newest[pid],
                "pushed_seq": 0,
                "attempts": 0,
                "next_attempt_at": due,
            }
            for cid, pid in listed
        ],
    )


def _advance(conn: Connection, cursor: int, now: datetime) -> None:
    first_young = conn.execute(
        sa.select(sa.func.min(stock_ledger.c.id)).where(
            stock_ledger.c.id > cursor, stock_ledger.c.at >= now - SETTLE
        )
    ).scalar()
    if first_young is None:
        new = conn.execute(
            sa.select(sa.func.max(stock_ledger.c.id)).where(stock_ledger.c.id > cursor)
        ).scalar()
    else:
        new = int(first_young) - 1
    if new is not None and new > cursor:
        conn.execute(
            sa.update(worker_cursors)
            .where(worker_cursors.c.name == CURSOR)
            .values(last_seq=new, updated_at=now)
        )


def _levels(
    conn: Connection, channel: Channel, product_id: int, *, per_location: bool
) -> dict[str, int]:
    """Free units per channel location (Shopify), or one total over the mapped
    warehouses, all active ones when none are mapped (WooCommerce has no locations)."""
    free = dict(
        conn.execute(
            sa.select(warehouses.c.code, stock.c.on_hand - stock.c.reserved)
            .join(stock, stock.c.warehouse_id == warehouses.c.id)
            .where(stock.c.product_id == product_id, warehouses.c.active)
        ).all()
    )
    if per_location:
        return {loc: max(int(free.get(code, 0)), 0) for loc, code in channel.locations.items()}
    codes = set(channel.locations.values()) or set(free)
    return {"all": max(sum(int(free.get(c, 0)) for c in codes), 0)}


def _failed(
    conn: Connection, row: Any, error: str, wait_s: float, channel: Channel, now: datetime
) -> None:
    conn.execute(
        sa.update(channel_stock)
        .where(
            channel_stock.c.channel_id == row.channel_id,
            channel_stock.c.product_id == row.product_id,
        )
        .values(
            attempts=row.attempts + 1,
            last_error=error[:500],
            next_attempt_at=now + timedelta(seconds=wait_s),
        )
    )
    mark_failure(conn, channel.id, SyncDirection.OUTBOUND, now, f"stock {row.sku}: {error}")
