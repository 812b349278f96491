"""Every status of every entity besides the order, named once, with its moves as data.

The order's own status is derived from its units (``domain/lifecycle.py``); everything
else the warehouse and the outbound side track — waves, pick lists, picks, shipments,
packages, carrier tracking, returns, payments and the outbound work rows — has its states
here. The values are what the database stores and the API returns, so they never change;
code compares and assigns these members, never the bare strings.

Where a status moves, ``*_MOVES`` lists every allowed (from, to) with why it happens, and
:func:`check_status_move` refuses anything else with ``invalid_transition`` — the same
shape as the order's ``UNIT_MOVES``. Services still guard each write with a ``WHERE
status = <from>`` (so two racing writers cannot both move a row); the table says which
of those guards may exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from orderwell.domain.errors import InvalidTransition


class WaveStatus(StrEnum):
    RELEASED = "released"  # its pick lists are on the floor
    DONE = "done"  # every pick confirmed or shorted


class PickListStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class PickStatus(StrEnum):
    OPEN = "open"
    PICKED = "picked"  # every expected unit found
    SHORT = "short"  # fewer found than expected; the rest re-sourced


class PickScanResult(StrEnum):
    """What became of one raw scan at a pick (kept for picking accuracy)."""

    OK = "ok"
    SHORT = "short"
    WRONG_BIN = "wrong_bin"
    WRONG_PRODUCT = "wrong_product"
    OVER = "over"


class ShipmentStatus(StrEnum):
    PACKING = "packing"
    PACKED = "packed"
    LABELLED = "labelled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED_TO_SENDER = "returned_to_sender"
    CANCELLED = "cancelled"  # a late cancellation took every unit out before it shipped


# Shipments whose units are still in the building, in the order they get there.
UNSHIPPED: tuple[ShipmentStatus, ...] = (
    ShipmentStatus.PACKING,
    ShipmentStatus.PACKED,
    ShipmentStatus.LABELLED,
)
# Shipments whose units have left the building.
LEFT_BUILDING: tuple[ShipmentStatus, ...] = (
    ShipmentStatus.SHIPPED,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.RETURNED_TO_SENDER,
)


class PackageStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # weighed and sealed
    VOIDED = "voided"  # emptied by a late cancellation after its label was bought


class TrackingStatus(StrEnum):
    """Carrier tracking, normalised (``warehouse/carriers/scan_formats.py`` maps to it)."""

    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    DELIVERED = "delivered"
    RETURNED_TO_SENDER = "returned_to_sender"
    UNKNOWN = "unknown"


# A shipment's tracking_status is its latest TrackingStatus, or this once its bought label
# was voided; no carrier ever reports it, so it is not a TrackingStatus.
LABEL_VOIDED = "voided"


class ReturnStatus(StrEnum):
    """A return's states; ``aftersale/rma.py`` holds which action moves it where."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    RECEIVED = "received"  # units scanned in; inspection may be under way
    INSPECTED = "inspected"  # every received unit has a disposition
    REFUNDED = "refunded"
    CLOSED = "closed"


class PaymentStatus(StrEnum):
    """An order's payment as the channel reported it."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    PARTIALLY_REFUNDED = "partially_refunded"  # some of what was captured went back
    REFUNDED = "refunded"
    VOIDED = "voided"


class DeliveryStatus(StrEnum):
    """A webhook delivery (one event to one subscription)."""

    PENDING = "pending"  # due at next_attempt_at
    DELIVERED = "delivered"
    FAILED = "failed"  # the receiver refused it for good (a 4xx that retrying cannot fix)
    DEAD = "dead"  # out of attempts


class PublicationStatus(StrEnum):
    """An event's publication to the JetStream stream."""

    PENDING = "pending"
    PUBLISHED = "published"
    FAILED = "failed"


class MessageStatus(StrEnum):
    """A customer message."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # opted out, or the channel sends its own


W, PL, P, SH, PK = WaveStatus, PickListStatus, PickStatus, ShipmentStatus, PackageStatus
D, PB, M = DeliveryStatus, PublicationStatus, MessageStatus

WAVE_MOVES: dict[tuple[WaveStatus, WaveStatus], str] = {
    (W.RELEASED, W.DONE): "its last open pick was confirmed or shorted",
}
PICK_LIST_MOVES: dict[tuple[PickListStatus, PickListStatus], str] = {
    (PL.OPEN, PL.DONE): "its last open pick was confirmed or shorted",
}
PICK_MOVES: dict[tuple[PickStatus, PickStatus], str] = {
    (P.OPEN, P.PICKED): "every expected unit scanned",
    (P.OPEN, P.SHORT): "fewer units found than expected",
}
SHIPMENT_MOVES: dict[tuple[ShipmentStatus, ShipmentStatus], str] = {
    (SH.PACKING, SH.PACKED): "every package closed",
    (SH.PACKED, SH.LABELLED): "a carrier label was bought",
    (SH.LABELLED, SH.SHIPPED): "handed to the carrier",
    (SH.SHIPPED, SH.DELIVERED): "the carrier delivered it",
    (SH.SHIPPED, SH.RETURNED_TO_SENDER): "the carrier brings it back",
    (SH.PACKING, SH.CANCELLED): "a late cancellation took every unit out",
    (SH.PACKED, SH.CANCELLED): "a late cancellation took every unit out",
    (SH.LABELLED, SH.CANCELLED): "a late cancellation took every unit out; label voided",
}
PACKAGE_MOVES: dict[tuple[PackageStatus, PackageStatus], str] = {
    (PK.OPEN, PK.CLOSED): "weighed and sealed",
    (PK.OPEN, PK.VOIDED): "emptied after its label was bought",
    (PK.CLOSED, PK.VOIDED): "emptied after its label was bought",
}
DELIVERY_MOVES: dict[tuple[DeliveryStatus, DeliveryStatus], str] = {
    (D.PENDING, D.DELIVERED): "the receiver answered 2xx",
    (D.PENDING, D.PENDING): "a failed attempt, retried later",
    (D.PENDING, D.FAILED): "the receiver refused it for good",
    (D.PENDING, D.DEAD): "out of attempts",
    (D.DELIVERED, D.PENDING): "an operator asked for a redelivery",
    (D.FAILED, D.PENDING): "an operator asked for a redelivery",
    (D.DEAD, D.PENDING): "an operator asked for a redelivery",
}
PUBLICATION_MOVES: dict[tuple[PublicationStatus, PublicationStatus], str] = {
    (PB.PENDING, PB.PUBLISHED): "the stream acknowledged it",
    (PB.PENDING, PB.PENDING): "the stream was unavailable, retried later",
    (PB.PENDING, PB.FAILED): "the stream refused it for good",
}
MESSAGE_MOVES: dict[tuple[MessageStatus, MessageStatus], str] = {
    (M.PENDING, M.SENT): "the mail server accepted it",
    (M.PENDING, M.PENDING): "the mail server was unavailable, retried later",
    (M.PENDING, M.FAILED): "refused for good, or out of attempts",
    (M.PENDING, M.SUPPRESSED): "made for the demo's history, which no one is to be told now",
}


S = TypeVar("S", bound=StrEnum)


def check_status_move(moves: Mapping[tuple[S, S], str], what: str, source: S | str, target: S) -> S:
    """Refuse a move the table does not allow; returns ``target``."""
    kind = type(target)
    current = kind(source)
    if (current, target) not in moves:
        raise InvalidTransition(
            f"a {what} cannot go from {current} to {target}",
            source=current.value,
            target=target.value,
            allowed_to=sorted(t.value for s, t in moves if s == current),
        )
    return target


def statuses(*kinds: type[StrEnum]) -> tuple[str, ...]:
    """Wire values of ``kinds`` in declaration order (for CHECK constraints and filters)."""
    return tuple(member.value for kind in kinds for member in kind)
