"""The box catalog of the pack stations: inner dimensions, tare weight, weight rating.

Until a warehouse sets up its own boxes, the standard assortment of ``warehouse/box_fitting.py``
(FLAT-S, BOX-S ... BOX-XL) is offered, so packing works on a fresh install.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.inventory.stock import upsert
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import boxes
from orderwell.warehouse.box_fitting import STANDARD_BOXES, Box


class BoxIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-.]+$")]
    inner_length_mm: Annotated[int, Field(ge=1, le=5000, strict=True)]
    inner_width_mm: Annotated[int, Field(ge=1, le=5000, strict=True)]
    inner_height_mm: Annotated[int, Field(ge=1, le=5000, strict=True)]
    tare_weight_g: Annotated[int, Field(ge=0, le=100_000, strict=True)]
    max_weight_g: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]
    active: bool = True


def upsert_boxes(db: Database, items: list[BoxIn]) -> int:
    """Create or update boxes of the catalog by code."""

    def work(conn: Connection) -> int:
        upsert(conn, boxes, "code", [b.model_dump() for b in items])
        return len(items)

    return db.write(work)


def save_box(db: Database, item: BoxIn) -> None:
    """Add or change one box. On a fresh install the standard assortment is offered without
    rows; it is written out first, so that changing one box does not drop the others."""

    def work(conn: Connection) -> None:
        if conn.execute(sa.select(sa.func.count()).select_from(boxes)).scalar_one() == 0:
            conn.execute(
                sa.insert(boxes), [asdict(b) for b in STANDARD_BOXES if b.code != item.code]
            )
        upsert(conn, boxes, "code", [item.model_dump()])

    db.write(work)


def all_boxes(conn: Connection) -> list[dict[str, object]]:
    """Every box with whether it is in use, for the settings screen (retired ones too)."""
    rows = conn.execute(sa.select(boxes).order_by(boxes.c.code)).mappings().all()
    if not rows:
        return [{**asdict(b), "active": True} for b in STANDARD_BOXES]
    return [{k: r[k] for k in (*BoxIn.model_fields,)} for r in rows]


def box_catalog(conn: Connection) -> list[Box]:
    """The active boxes; the standard assortment until a catalog has been set up."""
    rows = conn.execute(sa.select(boxes).where(boxes.c.active).order_by(boxes.c.code)).all()
    if not rows:
        return list(STANDARD_BOXES)
    return [
        Box(
            r.code,
            r.inner_length_mm,
            r.inner_width_mm,
            r.inner_height_mm,
            r.tare_weight_g,
            r.max_weight_g,
        )
        for r in rows
    ]
