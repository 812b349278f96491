"""Interchange, group and transaction set control numbers: per partner, never reused.

One guarded ``UPDATE ... RETURNING`` takes the numbers: the row lock (PostgreSQL) or the
write lock (SQLite) orders two writers, each gets the values its own increment produced,
and no read-then-write window exists in which both could read the same number. The
guard refuses to go past nine digits instead of wrapping to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.edi import MAX_CONTROL_NUMBER
from orderwell.domain.errors import Conflict
from orderwell.store.tables_edi import edi_partners

p = edi_partners.c


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    interchange: int  # ISA13 / IEA02
    group: int  # GS06 / GE02
    first_set: int  # ST02 of the first set; the others follow it

    def set_numbers(self, count: int) -> list[int]:
        return list(range(self.first_set, self.first_set + count))


def take_control_numbers(conn: Connection, partner_id: int, sets: int = 1) -> ControlNumbers:
    """Numbers for one interchange of one group with ``sets`` transaction sets."""
    taken = conn.execute(
        sa.update(edi_partners)
        .where(
            p.id == partner_id,
            p.next_interchange <= MAX_CONTROL_NUMBER,
            p.next_group <= MAX_CONTROL_NUMBER,
            p.next_set + sets - 1 <= MAX_CONTROL_NUMBER,
        )
        .values(
            next_interchange=p.next_interchange + 1,
            next_group=p.next_group + 1,
            next_set=p.next_set + sets,
        )
        .returning(p.next_interchange, p.next_group, p.next_set)
    ).first()
    if taken is None:
        raise Conflict(
            "this trading partner's control numbers are used up (nine digits); agree a reset "
            "with the partner before sending more",
            field="partner",
        )
    return ControlNumbers(taken[0] - 1, taken[1] - 1, taken[2] - sets)
