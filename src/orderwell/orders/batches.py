"""Several orders placed at once (an import): queued together through the group
committer, each with its own outcome, in order."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from orderwell.orders.group_commit import committer_for
from orderwell.orders.placing import Pending, Placed, prepare
from orderwell.orders.rules import PlaceOrder, PricedOrder
from orderwell.store.db import Database


def place_many(
    db: Database, requests: Sequence[PlaceOrder], *, actor: str
) -> list[Placed | Exception]:
    """Place several orders at once (an import): each gets its own outcome, in order.

    A request that fails its pure checks gets its error without reaching the database;
    the rest are submitted together, so up to ``max_orders`` of them share a commit.
    """
    return submit_many(db, requests, actor=actor).outcomes()


@dataclass(slots=True)
class Submitted:
    """Orders handed to the committer: ``outcomes()`` waits for them. An import submits
    its next batch before it waits for this one, so its own work (reading and checking
    rows) overlaps the committer's writes and fsyncs."""

    early: list[Placed | Exception]  # a refusal by the pure checks, or a placeholder
    futures: list[tuple[int, Future[Placed]]]

    def outcomes(self) -> list[Placed | Exception]:
        found = list(self.early)
        for slot, future in self.futures:
            try:
                found[slot] = future.result()
            except Exception as exc:
                found[slot] = exc
        return found


def submit_many(
    db: Database,
    requests: Sequence[PlaceOrder],
    *,
    actor: str,
    priced: Sequence[PricedOrder] | None = None,
) -> Submitted:
    """Check and queue several orders; see ``place_many`` and ``Submitted``. ``priced``:
    each request's ``price_order``, from a caller that checked them already."""
    early: list[Placed | Exception] = []
    pendings: list[Pending] = []
    slots: list[int] = []
    for n, request in enumerate(requests):
        try:
            pendings.append(prepare(request, actor=actor, priced=priced[n] if priced else None))
            slots.append(len(early))
            early.append(Exception("pending"))
        except Exception as exc:
            early.append(exc)
    futures = committer_for(db).submit(pendings) if pendings else []
    return Submitted(early, list(zip(slots, futures, strict=True)))
