"""``any_of`` matches a column against a list in one statement text whatever the list's
length: an array on PostgreSQL, a JSON text on SQLite. Both find exactly the listed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orderwell.inventory.stock import per_dialect
from orderwell.store.db import Database
from orderwell.store.lists import any_of
from orderwell.store.tables import products
from tests.helpers import seed

_BY_SKU = per_dialect(
    lambda conn: sa.select(products.c.sku).where(any_of(products.c.sku, "skus", conn.dialect.name))
)
_BY_ID = per_dialect(
    lambda conn: sa.select(products.c.id).where(any_of(products.c.id, "ids", conn.dialect.name))
)


@pytest.mark.parametrize(
    "wanted",
    [
        [],
        ["SKU-1"],
        ["SKU-2", "SKU-9", "nope", 'quo"te', "ünï'code", "SKU-2"],
        [f"SKU-{n}" for n in range(1, 400)],
    ],
)
def test_finds_exactly_the_listed(db: Database, wanted: list[str]) -> None:
    seed(db, skus=12)
    with db.read() as conn:
        statement = _BY_SKU(conn)
        found = {r.sku for r in conn.execute(statement, {"skus": wanted})}
        ids = {r.id for r in conn.execute(_BY_ID(conn), {"ids": [1, 3, 99]})}
    assert found == {f"SKU-{n}" for n in range(1, 13)} & set(wanted)
    assert ids == {1, 3}


def test_one_statement_text_for_every_length(db: Database) -> None:
    seed(db, skus=3)
    sent: set[str] = set()

    def keep(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.add(statement)

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.read() as conn:
            for n in range(1, 6):
                conn.execute(_BY_SKU(conn), {"skus": ["SKU-1"] * n}).all()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert len({s for s in sent if "products" in s}) == 1
