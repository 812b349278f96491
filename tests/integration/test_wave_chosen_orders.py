"""Releasing a wave of chosen orders only (the console's "release chosen")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import InvalidInput
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import picks
from orderwell.warehouse.waves import WaveRelease, releasable, release_waves
from tests.helpers import order
from tests.integration.fulfilment_helpers import floor


def _waved(db: Database) -> set[int]:
    with db.read() as conn:
        return set(conn.execute(sa.select(picks.c.order_id)).scalars())


def test_only_the_chosen_orders_are_waved_and_the_rest_stay_releasable(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 10})
    ids = [place_order(db, order({"SKU-1": 1}), actor="t").order_id for _ in range(3)]
    assert [o.order_number for o in releasable(db, "WH1")] == [db.numbers.number(i) for i in ids]
    chosen = WaveRelease(warehouse="WH1", orders=[db.numbers.number(ids[2]), str(ids[0])])
    released = release_waves(db, chosen, actor="lead")
    assert sum(w.orders for w in released) == 2
    assert _waved(db) == {ids[0], ids[2]}
    assert [o.order_number for o in releasable(db, "WH1")] == [db.numbers.number(ids[1])]
    # Choosing an order already waved releases nothing new.
    assert release_waves(db, chosen, actor="lead") == []


def test_a_chosen_reference_that_is_no_order_number_is_refused(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10})
    place_order(db, order({"SKU-1": 1}), actor="t")
    with pytest.raises(InvalidInput) as refused:
        release_waves(db, WaveRelease(warehouse="WH1", orders=["not-an-order"]), actor="lead")
    assert refused.value.field == "orders"
    assert _waved(db) == set()
