"""Returns (RMA): why a customer sends something back, what we do with it, and the checks
that decide whether a return may be opened at all.

Reasons matter beyond statistics: the ones that are our fault (damaged, wrong item, not as
described) waive restocking fees and may refund shipping (see ``aftersale/refund_rules.py``), and
they feed the perfect-order KPI. Dispositions decide where a received unit goes: only
``restock`` puts it back into sellable stock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from orderwell.domain.errors import (
    InvalidInput,
    NotShipped,
    ReturnQuantityExceeded,
    ReturnWindowExpired,
)

MAX_RETURN_WINDOW_DAYS = 3650  # ten years: anything longer is a configuration typo


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NO_LONGER_NEEDED = "no_longer_needed"
    ARRIVED_LATE = "arrived_late"
    OTHER = "other"

    @property
    def our_fault(self) -> bool:
        """True when the shop, not the customer, caused the return."""
        return self in OUR_FAULT_REASONS


# "arrived_late" is deliberately not here: the carrier, not the shop, was late, and shops
# differ on whether to absorb that. A channel that wants to can pick "if_our_fault" and
# still grant goodwill by hand.
OUR_FAULT_REASONS: frozenset[ReturnReason] = frozenset(
    {ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.NOT_AS_DESCRIBED}
)


class Disposition(StrEnum):
    """Where an inspected returned unit goes."""

    RESTOCK = "restock"  # back to sellable stock
    REFURBISH = "refurbish"  # repaired or repackaged first, then sold
    SCRAP = "scrap"  # written off
    RETURN_TO_VENDOR = "return_to_vendor"  # sent back to the supplier

    @property
    def adds_stock(self) -> bool:
        return self is Disposition.RESTOCK


# A suggestion for the inspection screen, not a rule: the inspector decides per unit.
SUGGESTED_DISPOSITION: dict[ReturnReason, Disposition] = {
    ReturnReason.DAMAGED: Disposition.SCRAP,
    ReturnReason.WRONG_ITEM: Disposition.RESTOCK,
    ReturnReason.NOT_AS_DESCRIBED: Disposition.RETURN_TO_VENDOR,
    ReturnReason.NO_LONGER_NEEDED: Disposition.RESTOCK,
    ReturnReason.ARRIVED_LATE: Disposition.RESTOCK,
    ReturnReason.OTHER: Disposition.RESTOCK,
}


def parse_reason(value: str, field: str = "reason") -> ReturnReason:
    """A reason from request text, naming the allowed values when it is not one."""
    try:
        return ReturnReason(value)
    except ValueError:
        allowed = ", ".join(r.value for r in ReturnReason)
        raise InvalidInput(f"'{value}' is not a return reason ({allowed})", field=field) from None


def parse_disposition(value: str, field: str = "disposition") -> Disposition:
    try:
        return Disposition(value)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise InvalidInput(f"'{value}' is not a disposition ({allowed})", field=field) from None


def check_return_window(
    delivered_at: datetime | None,
    shipped_at: datetime | None,
    window_days: int,
    now: datetime,
) -> datetime:
    """The deadline for opening a return; InvalidInput when it has passed.

    The window runs from delivery, as consumer law does; when the carrier never reported
    delivery it runs from shipment, which is earlier and therefore never too generous to
    a customer whose tracking is lost — and a support agent can still override. The
    deadline itself is inclusive.
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int):
        raise InvalidInput("the return window is a whole number of days", field="window_days")
    if not 0 <= window_days <= MAX_RETURN_WINDOW_DAYS:
        raise InvalidInput(
            f"the return window is 0 to {MAX_RETURN_WINDOW_DAYS} days", field="window_days"
        )
    if delivered_at is not None:
        start, field = delivered_at, "delivered_at"
    elif shipped_at is not None:
        start, field = shipped_at, "shipped_at"
    else:
        raise NotShipped(
            "nothing of this order has shipped yet, so there is nothing to return",
            field="shipped_at",
        )
    if start.tzinfo is None or now.tzinfo is None:
        raise InvalidInput("times must be timezone-aware", field=field)
    deadline = start + timedelta(days=window_days)
    if now > deadline:
        raise ReturnWindowExpired(
            f"the {window_days}-day return window ended on {deadline.date().isoformat()}",
            field=field,
            deadline=deadline.isoformat(),
        )
    return deadline


def check_return_quantity(
    requested: int, shipped: int, already_returned: int, field: str = "quantity"
) -> int:
    """The requested quantity, if that many units were shipped and are not yet returned.

    ``field`` is the request path of the quantity (e.g. ``lines.2.quantity``) so the API
    can point at the exact line at fault.
    """
    if isinstance(requested, bool) or not isinstance(requested, int):
        raise InvalidInput("a return quantity is a whole number", field=field)
    if requested < 1:
        raise InvalidInput("a return quantity is at least 1", field=field)
    if shipped < 0 or already_returned < 0 or already_returned > shipped:
        # Corrupt bookkeeping: refuse loudly rather than compute on nonsense.
        raise InvalidInput(
            f"inconsistent counts: {already_returned} returned of {shipped} shipped",
            field=field,
        )
    returnable = shipped - already_returned
    if requested > returnable:
        raise ReturnQuantityExceeded(
            f"only {returnable} unit(s) can be returned "
            f"({shipped} shipped, {already_returned} already returned)",
            field=field,
            returnable=returnable,
        )
    return requested
