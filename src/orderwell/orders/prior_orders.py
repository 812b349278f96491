"""Replays are reads: a group's requests are matched against stored orders in one SELECT.

A request whose Idempotency-Key or (channel, external id) is already stored is answered
from that order - the same body is a replay, another body a conflict - without locking
stock and without an INSERT, so it consumes no order number. Nor is it priced: a
request that may be a replay is priced once found new (``price_new``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput
from orderwell.orders.placing import Pending
from orderwell.store.lists import any_of
from orderwell.store.tables import orders

# The whole row: a replay is answered from it, so the group need not read it again.
_COLUMNS = tuple(orders.c)


def _by_externals(channel: int, dialect: str) -> sa.ColumnElement[bool]:
    # Per channel: `channel = ? AND external_id IN (...)` is a search of the unique index
    # on both engines. A row-value IN - (channel, external_id) IN (...) - OR'ed with the
    # keys made SQLite scan every order, once per group.
    return sa.and_(
        orders.c.channel == sa.bindparam(f"channel{channel}"),
        any_of(orders.c.external_id, f"externals{channel}", dialect),
    )


# Built once per shape - engine, keys or not, how many channels - since building a
# statement costs more than running it on the hot path.
_LOOKUPS: dict[tuple[str, bool, int], sa.Select[Any]] = {}


def _lookup(dialect: str, with_keys: bool, channels: int) -> sa.Select[Any]:
    found = _LOOKUPS.get((dialect, with_keys, channels))
    if found is None:
        terms = [any_of(orders.c.idempotency_key, "keys", dialect)] if with_keys else []
        terms += [_by_externals(i, dialect) for i in range(channels)]
        found = cast("sa.Select[Any]", sa.select(*_COLUMNS).where(sa.or_(*terms)))
        _LOOKUPS[(dialect, with_keys, channels)] = found
    return found


Prior = tuple[Any, str]  # the stored order's row, and which key matched


def find_prior(conn: Connection, pendings: Sequence[Pending]) -> list[Prior | None]:
    """For each request, the stored order holding its key or external id (key first)."""
    keys = sorted({p.idempotency_key for p in pendings if p.idempotency_key is not None})
    externals: dict[str, set[str]] = defaultdict(set)
    for p in pendings:
        if p.request.external_id is not None:
            externals[p.request.channel].add(p.request.external_id)
    if not keys and not externals:
        return [None] * len(pendings)
    params: dict[str, Any] = {"keys": keys} if keys else {}
    for i, channel in enumerate(sorted(externals)):
        params[f"channel{i}"] = channel
        params[f"externals{i}"] = sorted(externals[channel])
    rows = conn.execute(_lookup(conn.dialect.name, bool(keys), len(externals)), params).all()
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


def price_new(pendings: Sequence[Pending], todo: list[int], outcomes: list[Any]) -> list[int]:
    """Of the requests found new (``todo``), those whose pricing holds; the pricing error
    of another (a discount above its line, totals that do not add up) is its answer."""
    kept = []
    for i in todo:
        try:
            pendings[i].priced  # noqa: B018 - asked for its effect: priced now, or refused
            kept.append(i)
        except InvalidInput as exc:
            outcomes[i] = exc
    return kept
