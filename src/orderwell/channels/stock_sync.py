"""Stock levels to the channels, coalesced: many changes to a SKU make one update.

Every stock change writes a ``stock_ledger`` row. ``note_changes`` reads new ledger rows
and marks (channel, product) as changed up to that row (``channel_stock.changed_seq``,
only ever raised); the first change after a push makes the row due ``window_s`` later,
and later changes do not move that time. ``push`` then sends the level *as it is when
sent* (free = on hand - reserved, per mapped location) and records the ledger row it
covered (``pushed_seq``). So 1,000 changes to one SKU within the window are one update;
a change that lands while a push is under way makes the row due again.

Ledger ids become visible at commit, not in id order (PostgreSQL), so there the stored
cursor only moves past rows older than ``SETTLE``, and a process reads on from the
highest id it has read and looks again, on every pass, for the ids it read past without
a row (a transaction not committed yet) until ``SETTLE`` has gone by: a change that
commits late is still pushed. SQLite's rows appear in id order: its cursor stands right
behind the last row read. Marking is idempotent, so a row read twice does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
from orderwell.inventory.stock import dialect_insert, per_dialect
from orderwell.store.db import Database
from orderwell.store.ids import ids_show_late
from orderwell.store.lists import any_of
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
        # PostgreSQL: ids this process read past without a row - an insert rolled back, or
        # one whose transaction had not committed yet - and when; looked for again on
        # every pass until SETTLE has gone by (see _late).
        self._gaps: dict[int, datetime] = {}

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
            ids = list(conn.execute(_BATCH, {"start": start, "batch": self.batch}).scalars())
            due = now + self.window
            if ids:
                conn.execute(_MARK(conn), {"start": start, "end": ids[-1], "due": due})
                self._seen = ids[-1]
            late = self._late(conn, start, ids, now, due) if ids_show_late(conn) else 0
            _advance(conn, cursor, now, read_to=ids[-1] if ids else start)
            return len(ids) + late

        return self.db.write(work)

    def _late(
        self, conn: Connection, start: int, ids: list[int], now: datetime, due: datetime
    ) -> int:
        """Ledger rows that became visible after rows with higher ids were read: this
        process reads on from the highest id it read, so it looks for them by the gaps it
        left. Marks those found; returns how many."""
        found: list[int] = []
        if self._gaps:
            found = list(conn.execute(_FOUND(conn), {"ids": sorted(self._gaps)}).scalars())
            if found:
                conn.execute(_MARK_IDS(conn), {"ids": found, "due": due})
        old = now - SETTLE
        self._gaps = {i: at for i, at in self._gaps.items() if at > old and i not in found}
        before = start
        for i in ids:
            # A gap as wide as a whole batch is not a transaction still open: do not keep it.
            if 1 < i - before <= self.batch:
                self._gaps.update(dict.fromkeys(range(before + 1, i), now))
            before = i
        return len(found)

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
            wanted = _wanted(conn, due, chans)
        # In order: (channel, row, what the shop learnt us) or (channel, row, the failure).
        outcomes: list[tuple[Channel, Any, dict[str, Any] | _Failure]] = []
        for row in due:
            channel = chans[row.channel_id]
            if not channel.active:
                continue
            try:
                front = fronts.get(channel.id) or fronts.setdefault(channel.id, open_front(channel))
                listing, free = wanted[(row.channel_id, row.product_id)]
                levels = _levels(free, channel, per_location=front.pushes_per_location)
                learnt = front.set_stock(listing, levels) if listing is not None and levels else {}
                outcomes.append((channel, row, learnt))
            except (PlatformError, OrderwellError) as exc:
                retry_after = getattr(exc, "retry_after_s", None)
                wait = backoff(row.attempts + 1, retry_after)
                log.warning("stock of %s to %s: %s", row.sku, channel.name, exc.message)
                outcomes.append((channel, row, _Failure(exc.message, wait)))
        if outcomes:
            self._record(outcomes)
        return sum(1 for *_, o in outcomes if not isinstance(o, _Failure))

    def _record(self, outcomes: list[tuple[Channel, Any, dict[str, Any] | _Failure]]) -> None:
        """What the sends did, in one transaction for the batch: a write per SKU would
        queue behind (and hold up) the placements for SQLite's one writer. Should this
        fail after the sends, the rows stay due and are sent again: a level set twice is
        the same level. The channel's health ends as it would after each send in turn."""

        def work(conn: Connection) -> None:
            now = self.db.clock()
            sent: list[dict[str, Any]] = []
            healthy: set[int] = set()  # channels with a send not yet marked ok
            for channel, row, outcome in outcomes:
                if isinstance(outcome, _Failure):
                    if channel.id in healthy:
                        healthy.discard(channel.id)
                        mark_ok(conn, channel.id, SyncDirection.OUTBOUND, now)
                    _failed(conn, row, outcome.error, outcome.wait_s, channel, now)
                    continue
                if outcome:
                    conn.execute(
                        sa.update(channel_listings)
                        .where(
                            channel_listings.c.channel_id == channel.id,
                            channel_listings.c.sku == row.sku,
                        )
                        .values(**outcome)
                    )
                sent.append(
                    {
                        "c": row.channel_id,
                        "p": row.product_id,
                        "seq": row.changed_seq,
                        "next": now + self.window,
                    }
                )
                healthy.add(channel.id)
            if sent:
                conn.execute(_PUSHED, sent)
            for channel_id in sorted(healthy):
                mark_ok(conn, channel_id, SyncDirection.OUTBOUND, now)

        self.db.write(work)


@dataclass(frozen=True, slots=True)
class _Failure:
    error: str
    wait_s: float


_PUSHED = (
    sa.update(channel_stock)
    .where(
        channel_stock.c.channel_id == sa.bindparam("c"),
        channel_stock.c.product_id == sa.bindparam("p"),
    )
    .values(
        pushed_seq=sa.bindparam("seq"),
        attempts=0,
        last_error=None,
        next_attempt_at=sa.bindparam("next"),
    )
)


def _wanted(
    conn: Connection, due: Sequence[Any], chans: dict[int, Channel]
) -> dict[tuple[int, int], tuple[Any, dict[str, int]]]:
    """For each due (channel, product): the channel's listing of the SKU (None when it
    has none) and the free units per warehouse code - two statements for the batch."""
    listed = {
        (r.channel_id, r.sku): r
        for r in conn.execute(
            sa.select(channel_listings).where(
                channel_listings.c.channel_id.in_(sorted(chans)),
                channel_listings.c.sku.in_(sorted({d.sku for d in due})),
            )
        )
    }
    free: dict[int, dict[str, int]] = {d.product_id: {} for d in due}
    for product_id, code, units in conn.execute(
        sa.select(stock.c.product_id, warehouses.c.code, stock.c.on_hand - stock.c.reserved)
        .join(warehouses, stock.c.warehouse_id == warehouses.c.id)
        .where(stock.c.product_id.in_(sorted(free)), warehouses.c.active)
    ):
        free[product_id][code] = int(units)
    return {
        (d.channel_id, d.product_id): (listed.get((d.channel_id, d.sku)), free[d.product_id])
        for d in due
    }


# The ids of the next batch of ledger rows after ``start``.
_BATCH = (
    sa.select(stock_ledger.c.id)
    .where(stock_ledger.c.id > sa.bindparam("start"))
    .order_by(stock_ledger.c.id)
    .limit(sa.bindparam("batch"))
)
_FOUND = per_dialect(
    lambda conn: sa.select(stock_ledger.c.id).where(
        any_of(stock_ledger.c.id, "ids", conn.dialect.name)
    )
)


def _build_mark(conn: Connection, rows: sa.ColumnElement[bool], *, late: bool = False) -> Any:
    """Mark every (channel, product) the ledger ``rows`` changed, for the channels that
    list the SKU, in one statement: the newest row per product, upserted - a row pending
    already keeps its time (that is the coalescing), any other is due anew.

    ``late``: rows that became visible after higher ids were read. A push recorded as
    covering a higher id may have been sent before such a row committed, so the mark also
    moves ``pushed_seq`` back below it: the product is due again, whatever was pushed."""
    newest = (
        sa.select(
            channel_listings.c.channel_id,
            products.c.id,
            sa.func.max(stock_ledger.c.id),
            sa.literal(0),
            sa.literal(0),
            sa.bindparam("due", type_=channel_stock.c.next_attempt_at.type),
        )
        .select_from(stock_ledger)
        .join(products, products.c.id == stock_ledger.c.product_id)
        .join(channel_listings, channel_listings.c.sku == products.c.sku)
        .join(channels, channels.c.id == channel_listings.c.channel_id)
        .where(rows, channels.c.kind.in_([k.value for k in PUSHING_KINDS]))
        .group_by(channel_listings.c.channel_id, products.c.id)
    )
    t = channel_stock
    columns = ["channel_id", "product_id", "changed_seq", "pushed_seq", "attempts"]
    ins = dialect_insert(conn, t).from_select([*columns, "next_attempt_at"], newest)
    return ins.on_conflict_do_update(
        index_elements=["channel_id", "product_id"],
        set_={
            "next_attempt_at": sa.case(
                (t.c.changed_seq > t.c.pushed_seq, t.c.next_attempt_at),
                else_=ins.excluded.next_attempt_at,
            ),
            "changed_seq": sa.case(
                (ins.excluded.changed_seq > t.c.changed_seq, ins.excluded.changed_seq),
                else_=t.c.changed_seq,
            ),
            **(
                {
                    "pushed_seq": sa.case(
                        (
                            t.c.pushed_seq >= ins.excluded.changed_seq,
                            ins.excluded.changed_seq - 1,
                        ),
                        else_=t.c.pushed_seq,
                    )
                }
                if late
                else {}
            ),
        },
    )


# A batch's range of ids, or the ids found late.
_MARK = per_dialect(
    lambda conn: _build_mark(
        conn,
        sa.and_(
            stock_ledger.c.id > sa.bindparam("start"), stock_ledger.c.id <= sa.bindparam("end")
        ),
    )
)
_MARK_IDS = per_dialect(
    lambda conn: _build_mark(conn, any_of(stock_ledger.c.id, "ids", conn.dialect.name), late=True)
)


def _advance(conn: Connection, cursor: int, now: datetime, *, read_to: int) -> None:
    """Move the stored cursor over the rows read (never past ``read_to``: a batch may
    leave rows unread) that are settled."""
    settle = SETTLE if ids_show_late(conn) else timedelta(0)  # SQLite: rows appear in order
    first_young = conn.execute(
        sa.select(sa.func.min(stock_ledger.c.id)).where(
            stock_ledger.c.id > cursor, stock_ledger.c.at >= now - settle
        )
    ).scalar()
    new = read_to if first_young is None else min(int(first_young) - 1, read_to)
    if new > cursor:
        conn.execute(
            sa.update(worker_cursors)
            .where(worker_cursors.c.name == CURSOR)
            .values(last_seq=new, updated_at=now)
        )


def _levels(free: dict[str, int], channel: Channel, *, per_location: bool) -> dict[str, int]:
    """Free units per channel location (Shopify), or one total over the mapped
    warehouses, all active ones when none are mapped (WooCommerce has no locations).
    ``free``: the product's free units by warehouse code."""
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
