"""Replays are reads: a group's requests are matched against stored orders in one SELECT.

A request whose Idempotency-Key or (channel, external id) is already stored is answered
from that order - the same body is a replay, another body a conflict - without locking
stock and without an INSERT, so it consumes no order number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.orders.placing import Pending
from orderwell.store.tables import orders

_COLUMNS = (
    orders.c.id,
    orders.c.request_hash,
    orders.c.idempotency_key,
    orders.c.channel,
    orders.c.external_id,
)
_BY_KEYS = orders.c.idempotency_key.in_(sa.bindparam("keys", expanding=True))
_BY_EXTERNAL_IDS = sa.tuple_(orders.c.channel, orders.c.external_id).in_(
    sa.bindparam("externals", expanding=True)
)
# Built once each (statement building costs more than running it on the hot path).
_LOOKUPS = {
    (True, True): sa.select(*_COLUMNS).where(sa.or_(_BY_KEYS, _BY_EXTERNAL_IDS)),
    (True, False): sa.select(*_COLUMNS).where(_BY_KEYS),
    (False, True): sa.select(*_COLUMNS).where(_BY_EXTERNAL_IDS),
}

Prior = tuple[Any, str]  # the stored order's row, and which key matched


def find_prior(conn: Connection, pendings: Sequence[Pending]) -> list[Prior | None]:
    """For each request, the stored order holding its key or external id (key first)."""
    keys = sorted({p.idempotency_key for p in pendings if p.idempotency_key is not None})
    externals = sorted(
        {
            (p.request.channel, p.request.external_id)
            for p in pendings
            if p.request.external_id is not None
        }
    )
    if not keys and not externals:
        return [None] * len(pendings)
    params: dict[str, Any] = {}
    if keys:
        params["keys"] = keys
    if externals:
        params["externals"] = externals
    rows = conn.execute(_LOOKUPS[(bool(keys), bool(externals))], params).all()
    by_key = {r.idempotency_key: r for r in rows if r.idempotency_key is not None}
    by_external = {(r.channel, r.external_id): r for r in rows if r.external_id is not None}
    found: list[Prior | None] = []
    for p in pendings:
        hit: Prior | None = None
        if p.idempotency_key is not None and p.idempotency_key in by_key:
            hit = (by_key[p.idempotency_key], "Idempotency-Key")
        elif p.request.external_id is not None:
            row = by_external.get((p.request.channel, p.request.external_id))
            hit = (row, "external_id") if row is not None else None
        found.append(hit)
    return found
