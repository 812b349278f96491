"""What a caller writes beside each new order of a group (a channel's record of the shop's
order), and what it checks again in the group's transaction first.

A caller may hand the group committer an order it took for new on what it last read -
the webhook route takes a storefront's order against the channel as it last read it,
without reading anything per request (``channels/routes.py``). ``still_new`` then runs
for the group's members of a kind, in the group's transaction, before anything is looked
up or written: a member that is no longer new (its channel changed, its delivery or its
shop order arrived meanwhile) is answered ``Recheck``, with nothing of it written, and
its caller takes it the long way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from orderwell.orders.placing import Pending, Placed


class Recheck(Exception):
    """What the caller took the order for no longer holds: nothing was written; read
    afresh and decide again."""


class Beside(Protocol):
    """What a caller writes beside each new order of a group written together, for all of
    the group's orders that carry one of its kind at once. It must write what ``within``
    would, order by order."""

    @classmethod
    def still_new(cls, conn: Connection, pendings: list[Pending]) -> list[bool]:
        """For each of the group's members of this kind: may it go on as a new order?"""
        ...

    @classmethod
    def write_group(
        cls, conn: Connection, placed: list[tuple[Pending, Placed]], now: datetime
    ) -> None: ...


def recheck(conn: Connection, pendings: list[Pending]) -> dict[int, Recheck]:
    """The group's members (by position) that are no longer new, each answered Recheck."""
    kinds: dict[type[Beside], list[int]] = defaultdict(list)
    for at, pending in enumerate(pendings):
        if pending.beside is not None:
            kinds[type(pending.beside)].append(at)
    refused: dict[int, Recheck] = {}
    for kind, members in kinds.items():
        verdicts = kind.still_new(conn, [pendings[at] for at in members])
        refused.update(
            {at: Recheck() for at, new in zip(members, verdicts, strict=True) if not new}
        )
    return refused
