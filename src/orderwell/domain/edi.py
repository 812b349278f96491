"""EDI X12 vocabulary shared by the tables, the services and the routes."""

from __future__ import annotations

from enum import StrEnum

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
