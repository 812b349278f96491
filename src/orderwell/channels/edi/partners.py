"""Trading partners: who sends us EDI, under which ISA/GS ids, and ours towards them."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import Conflict, NotFound
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.rules import CurrencyCode
from orderwell.store.db import Database
from orderwell.store.tables_edi import edi_partners

# ISA ids are 15 characters of the basic X12 character set, padded with blanks.
IsaId = Annotated[str, Field(min_length=1, max_length=15, pattern=r"^[A-Za-z0-9 .\-]+$")]
Qualifier = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Z0-9]{2}$")]
GsId = Annotated[str, Field(min_length=2, max_length=15, pattern=r"^[A-Za-z0-9 .\-]+$")]


def _trimmed(value: str) -> str:
    return value.strip()


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,35}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")]
    isa_qualifier: Qualifier
    isa_id: Annotated[IsaId, AfterValidator(_trimmed)]
    gs_id: GsId
    our_isa_qualifier: Qualifier = "ZZ"
    our_isa_id: Annotated[IsaId, AfterValidator(_trimmed)]
    our_gs_id: GsId
    currency: CurrencyCode = "USD"
    usage: Annotated[str, Field(pattern=r"^[PT]$")] = "P"


PUBLIC_COLUMNS = [c for c in edi_partners.c if c.name != "id"]


def add_partner(db: Database, partner: PartnerIn) -> int:
    """Add a partner; its control numbers start at 1. The same code or ISA id twice is a
    conflict (a partner's numbers must never restart by accident)."""

    def work(conn: Connection) -> int:
        new_id = conn.execute(
            dialect_insert(conn, edi_partners)
            .on_conflict_do_nothing()
            .returning(edi_partners.c.id),
            {**partner.model_dump(), "created_at": db.clock()},
        ).scalar()
        if new_id is None:
            raise Conflict(
                f"a partner with code {partner.code} or ISA id "
                f"{partner.isa_qualifier}/{partner.isa_id} exists",
                field="code",
            )
        return int(new_id)

    return db.write(work)


def list_partners(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(*PUBLIC_COLUMNS).order_by(edi_partners.c.code))
    return [_public(r._mapping) for r in rows]


def get_partner(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(sa.select(*PUBLIC_COLUMNS).where(edi_partners.c.code == code)).first()
    if row is None:
        raise NotFound(f"no trading partner {code}", field="code")
    return _public(row._mapping)


def _public(m: Any) -> dict[str, Any]:
    out = dict(m)
    out["created_at"] = out["created_at"].isoformat()
    return out
