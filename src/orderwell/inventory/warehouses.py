"""Warehouses and their bin locations (with the walk sequence pick paths follow)."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import Conflict, InvalidInput, NotFound, UnknownReference
from orderwell.domain.values import CountryCode
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables import bins, warehouses


class WarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9_\-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    address_line1: Annotated[str, Field(max_length=200)] = ""
    city: Annotated[str, Field(max_length=100)] = ""
    region: Annotated[str, Field(max_length=100)] = ""
    postal_code: Annotated[str, Field(max_length=20)] = ""
    country: CountryCode
    priority: Annotated[int, Field(ge=0, le=10_000)] = 100
    active: bool = True


class BinIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-.]+$")]
    walk_sequence: Annotated[int, Field(ge=0, le=10_000_000)]
    active: bool = True


def upsert_warehouse(db: Database, item: WarehouseIn) -> int:
    def work(conn: Connection) -> int:
        ins = dialect_insert(conn, warehouses)
        stmt = ins.values(**item.model_dump(), created_at=db.clock()).on_conflict_do_update(
            index_elements=[warehouses.c.code],
            set_={c: ins.excluded[c] for c in item.model_dump() if c != "code"},
        )
        return int(conn.execute(stmt.returning(warehouses.c.id)).scalar_one())

    return db.write(work)


def warehouse_id_for_code(conn: Connection, code: str, field: str = "warehouse") -> int:
    wid = conn.execute(sa.select(warehouses.c.id).where(warehouses.c.code == code)).scalar()
    if wid is None:
        raise UnknownReference(f"no warehouse with code {code}", field=field)
    return int(wid)


def upsert_bins(db: Database, warehouse_code: str, items: list[BinIn]) -> list[int]:
    seen: set[str] = set()
    for i, b in enumerate(items):
        if b.code in seen:
            raise InvalidInput(f"bin {b.code} appears twice", field=f"{i}.code")
        seen.add(b.code)

    def work(conn: Connection) -> list[int]:
        wid = conn.execute(
            sa.select(warehouses.c.id).where(warehouses.c.code == warehouse_code)
        ).scalar()
        if wid is None:
            raise NotFound(f"no warehouse with code {warehouse_code}")
        if not items:
            return []
        ins = dialect_insert(conn, bins)
        stmt = ins.on_conflict_do_update(
            index_elements=[bins.c.warehouse_id, bins.c.code],
            set_={"walk_sequence": ins.excluded.walk_sequence, "active": ins.excluded.active},
        ).returning(bins.c.id, sort_by_parameter_order=True)
        return [
            int(r.id)
            for r in conn.execute(stmt, [{**b.model_dump(), "warehouse_id": wid} for b in items])
        ]

    return db.write(work)


def bin_id_for(conn: Connection, warehouse_id: int, code: str | None, field: str = "bin") -> int:
    """The bin to use; without a code, the warehouse's first bin in walk order."""
    q = sa.select(bins.c.id).where(bins.c.warehouse_id == warehouse_id, bins.c.active)
    if code is not None:
        bid = conn.execute(q.where(bins.c.code == code)).scalar()
        if bid is None:
            raise UnknownReference(f"no active bin {code} in this warehouse", field=field)
        return int(bid)
    bid = conn.execute(q.order_by(bins.c.walk_sequence, bins.c.code).limit(1)).scalar()
    if bid is None:
        raise Conflict("the warehouse has no active bin; create bins first", field=field)
    return int(bid)
