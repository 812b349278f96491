"""EDI X12 vocabulary shared by the tables, the services and the routes."""

from __future__ import annotations

from enum import StrEnum

from orderwell.domain.events import EventType

# ISA13 and GS06 hold at most nine digits; a number past this is never wrapped to 1,
# because a partner's translator would take the repeat for a duplicate interchange.
MAX_CONTROL_NUMBER = 999_999_999


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class DocumentStatus(StrEnum):
    ACCEPTED = "accepted"  # inbound, every set accepted (its 997 says so)
    REJECTED = "rejected"  # inbound with errors (nothing created) or outbound refused by 997
    SENT = "sent"  # outbound, waiting for the partner's 997
    READY = "ready"  # outbound, made on an event, waiting to be handed over (drop folder)
    ACKNOWLEDGED = "acknowledged"  # outbound, the partner's 997 accepted it


class SetId(StrEnum):
    PURCHASE_ORDER = "850"
    PO_ACKNOWLEDGMENT = "855"
    SHIP_NOTICE = "856"
    INVOICE = "810"
    FUNCTIONAL_ACK = "997"


# GS01 functional identifier of each transaction set.
FUNCTIONAL_ID = {
    SetId.PURCHASE_ORDER: "PO",
    SetId.PO_ACKNOWLEDGMENT: "PR",
    SetId.SHIP_NOTICE: "SH",
    SetId.INVOICE: "IN",
    SetId.FUNCTIONAL_ACK: "FA",
}

# What Orderwell sends a trading partner by itself, on which event of an order that came
# by EDI (channels/edi/automatic.py). The invoice waits until the whole order has left.
SEND_ON_EVENT: dict[EventType, tuple[SetId, ...]] = {
    EventType.ORDER_PLACED: (SetId.PO_ACKNOWLEDGMENT,),
    EventType.ORDER_SHIPPED: (SetId.SHIP_NOTICE, SetId.INVOICE),
    EventType.ORDER_SHORT_SHIPPED: (SetId.SHIP_NOTICE,),
}
