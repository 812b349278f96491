"""The life of a return merchandise authorization (RMA), written once as data.

A return is requested (by the customer, support or a channel), then authorized or
rejected; an authorized return is received at a warehouse, its units inspected one by
one, and then refunded — or, for an exchange, closed once the replacement order exists
and the units are back. ``RETURN_ACTIONS`` lists each action with the statuses it may
start from and where it leads; anything else is refused with ``invalid_transition``.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderwell.domain.errors import InvalidTransition
from orderwell.domain.statuses import ReturnStatus


@dataclass(frozen=True, slots=True)
class ReturnAction:
    allowed_from: frozenset[ReturnStatus]
    leads_to: ReturnStatus | None  # None: the status does not change


S = ReturnStatus
RETURN_ACTIONS: dict[str, ReturnAction] = {
    "authorize": ReturnAction(frozenset({S.REQUESTED}), S.AUTHORIZED),
    "reject": ReturnAction(frozenset({S.REQUESTED}), S.REJECTED),
    "receive": ReturnAction(frozenset({S.AUTHORIZED}), S.RECEIVED),
    # Stays "received" until the last received unit has its disposition.
    "inspect": ReturnAction(frozenset({S.RECEIVED}), None),
    "refund": ReturnAction(frozenset({S.INSPECTED}), S.REFUNDED),
    # The replacement ships at once; the returned units still come back and are inspected.
    "exchange": ReturnAction(frozenset({S.REQUESTED, S.AUTHORIZED, S.RECEIVED, S.INSPECTED}), None),
    "close": ReturnAction(frozenset({S.REJECTED, S.INSPECTED, S.REFUNDED}), S.CLOSED),
}

# Returns whose units are still expected back: they count against what may be returned.
OPEN_STATUSES: frozenset[ReturnStatus] = frozenset({S.REQUESTED, S.AUTHORIZED})


def check_return_action(action: str, status: ReturnStatus | str) -> ReturnStatus:
    """The status after ``action``; InvalidTransition when the table does not allow it."""
    rule = RETURN_ACTIONS[action]
    current = ReturnStatus(status)
    if current not in rule.allowed_from:
        raise InvalidTransition(
            f"cannot {action} a return that is {current}",
            action=action,
            status=current.value,
            allowed_from=sorted(s.value for s in rule.allowed_from),
        )
    return rule.leads_to or current


def rma_number(order_number: str, seq: int) -> str:
    """``OW-000042-R1``: the order's number, so a parcel on the dock names its order."""
    return f"{order_number}-R{seq}"
