"""The disruption watcher's rules: which problems with an order the customer should hear
about now. Pure: the worker gathers an :class:`OrderFacts` per open order, calls
:func:`find_disruptions`, sends a ``delivery_delayed`` message per result and records its
kind in ``already_notified`` — so each disruption is told once, however often the
watcher runs.

Telling the customer first, before they have to ask, is most of what makes a late order
forgivable; each disruption therefore carries a plain "what happens next" text.

The rules are a table of (kind, predicate, text) so that adding one is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from orderwell.domain.errors import InvalidInput
from orderwell.domain.lifecycle import OrderStatus


class DisruptionKind(StrEnum):
    NOT_SHIPPED_BY_CUTOFF = "not_shipped_by_cutoff"
    CARRIER_DELAY = "carrier_delay"
    CARRIER_EXCEPTION = "carrier_exception"
    BACKORDER_NO_STOCK = "backorder_no_stock"


class TrackingProblem(StrEnum):
    """The latest tracking event, reduced to what matters here."""

    DELAYED = "delayed"  # carrier reports a delay (weather, volume, missed connection)
    EXCEPTION = "exception"  # address problem, damage, refused, held at customs...


# Orders in these states are finished or in the customer's hands: nothing to warn about.
FINISHED_STATUSES: frozenset[OrderStatus] = frozenset(
    {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED}
)
# An order on hold was already explained to the customer (on_hold message); warning that
# it missed its ship date would be a second, confusing message about the same thing.
HELD_STATUSES: frozenset[OrderStatus] = frozenset({OrderStatus.ON_HOLD})
# What the watcher looks at: every order not finished.
WATCHED_STATUSES: tuple[OrderStatus, ...] = tuple(
    s for s in OrderStatus if s not in FINISHED_STATUSES
)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    status: OrderStatus
    now: datetime
    promised_ship_by: datetime | None = None
    promised_delivery_date: date | None = None
    # The last carrier collection that still keeps the ship-by promise (the caller knows
    # the carrier's schedule); when absent, the promise itself is the deadline.
    carrier_cutoff: datetime | None = None
    shipped_at: datetime | None = None
    tracking_problem: TrackingProblem | None = None
    backordered_units: int = 0
    # True or the expected arrival date when a purchase order or transfer is on its way.
    incoming_stock_expected: bool | date = False
    already_notified: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Disruption:
    kind: DisruptionKind
    what_happens_next: str
    detail: str  # for the operator and the timeline
    message_kind: str = "delivery_delayed"


def _ship_deadline(facts: OrderFacts) -> datetime | None:
    return facts.carrier_cutoff or facts.promised_ship_by


def _missed_cutoff(facts: OrderFacts) -> bool:
    deadline = _ship_deadline(facts)
    return (
        facts.shipped_at is None
        and facts.status not in HELD_STATUSES
        and deadline is not None
        and facts.now > deadline
    )


def _carrier_delay(facts: OrderFacts) -> bool:
    if facts.shipped_at is None:
        return False
    if facts.tracking_problem is TrackingProblem.DELAYED:
        return True
    # No delay event yet, but the promised day has passed without delivery: that is a
    # delay too, and carriers often report it late or never.
    promised = facts.promised_delivery_date
    return promised is not None and facts.now.date() > promised


def _carrier_exception(facts: OrderFacts) -> bool:
    return facts.shipped_at is not None and facts.tracking_problem is TrackingProblem.EXCEPTION


def _backorder_no_stock(facts: OrderFacts) -> bool:
    # ``True`` means "expected, date unknown"; a date means it is on its way. Only an
    # order waiting for stock nobody has ordered needs the customer to decide.
    return facts.backordered_units > 0 and facts.incoming_stock_expected is False


_NEXT_CUTOFF = (
    "Your order did not leave our warehouse in time for today's collection. It goes out "
    "with the next one and we will send you the tracking link as soon as it does."
)
_NEXT_DELAY = (
    "The carrier is running late with your parcel. It is still on its way and you do not "
    "need to do anything; the tracking link shows the latest estimate."
)
_NEXT_EXCEPTION = (
    "The carrier reported a problem delivering your parcel. We are in touch with them to "
    "sort it out and will write again within one working day; if the carrier asks you for "
    "something, the tracking link shows what."
)
_NEXT_NO_STOCK = (
    "Some items are out of stock and we do not yet know when more will arrive. You can "
    "keep waiting, or reply to this message and we will cancel those items and refund "
    "them straight away."
)

Rule = tuple[DisruptionKind, Callable[[OrderFacts], bool], str]

RULES: tuple[Rule, ...] = (
    (DisruptionKind.BACKORDER_NO_STOCK, _backorder_no_stock, _NEXT_NO_STOCK),
    (DisruptionKind.NOT_SHIPPED_BY_CUTOFF, _missed_cutoff, _NEXT_CUTOFF),
    (DisruptionKind.CARRIER_EXCEPTION, _carrier_exception, _NEXT_EXCEPTION),
    (DisruptionKind.CARRIER_DELAY, _carrier_delay, _NEXT_DELAY),
)


def _detail(kind: DisruptionKind, facts: OrderFacts) -> str:
    if kind is DisruptionKind.NOT_SHIPPED_BY_CUTOFF:
        return f"order {facts.order_id} not shipped by {_ship_deadline(facts)}"
    if kind is DisruptionKind.BACKORDER_NO_STOCK:
        return (
            f"order {facts.order_id} has {facts.backordered_units} backordered unit(s) "
            "and no incoming stock"
        )
    if kind is DisruptionKind.CARRIER_EXCEPTION:
        return f"carrier exception on order {facts.order_id}"
    return f"carrier delay on order {facts.order_id} (promised {facts.promised_delivery_date})"


def _check(facts: OrderFacts) -> None:
    times = (facts.now, facts.promised_ship_by, facts.carrier_cutoff, facts.shipped_at)
    if any(t is not None and t.tzinfo is None for t in times):
        raise InvalidInput("watcher times must be timezone-aware", field="now")
    if facts.backordered_units < 0:
        raise InvalidInput("backordered units are not negative", field="backordered_units")


def find_disruptions(facts: OrderFacts) -> list[Disruption]:
    """Disruptions of this order that the customer has not been told about yet.

    While the parcel is in a carrier exception, a "delay" adds nothing the customer
    needs (the exception message already said we are on it), so it is not reported.
    """
    _check(facts)
    if facts.status in FINISHED_STATUSES:
        return []
    found: list[Disruption] = []
    for kind, applies, next_text in RULES:
        if not applies(facts):
            continue
        if kind is DisruptionKind.CARRIER_DELAY and _carrier_exception(facts):
            continue
        if kind in facts.already_notified:
            continue
        found.append(
            Disruption(kind=kind, what_happens_next=next_text, detail=_detail(kind, facts))
        )
    return found
