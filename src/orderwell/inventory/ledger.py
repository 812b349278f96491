"""The stock ledger: every change to stock, with who, when, why, the deltas and the
levels after it. Movements (``stock.py``, ``floor_moves.py``) note their rows here while
they run; the transaction writes them with one INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.store.tables import stock_ledger


class Level(Protocol):
    """A stock row's levels after a movement (what its UPDATE ... RETURNING gave back)."""

    @property
    def on_hand(self) -> int: ...

    @property
    def reserved(self) -> int: ...


INSERT_LEDGER = sa.insert(stock_ledger)


@dataclass(slots=True)
class Ledger:
    """Ledger rows collected during one transaction, written with one INSERT."""

    actor: str
    at: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        *,
        product_id: int,
        warehouse_id: int,
        kind: str,
        delta_on_hand: int,
        delta_reserved: int,
        after: Level,
        bin_id: int | None = None,
        reason: str | None = None,
        note: str | None = None,
        order_id: int | None = None,
    ) -> None:
        self.rows.append(
            {
                "at": self.at,
                "actor": self.actor,
                "product_id": product_id,
                "warehouse_id": warehouse_id,
                "bin_id": bin_id,
                "kind": kind,
                "reason": reason,
                "note": note,
                "order_id": order_id,
                "delta_on_hand": delta_on_hand,
                "delta_reserved": delta_reserved,
                "on_hand_after": after.on_hand,
                "reserved_after": after.reserved,
            }
        )

    def flush(self, conn: Connection) -> None:
        if self.rows:
            conn.execute(INSERT_LEDGER, self.rows)
            self.rows = []
