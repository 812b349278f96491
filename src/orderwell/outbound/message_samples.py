"""A sample of every message kind's context: the console previews a template with it, and
a template the shop edits must render with it before it is saved."""

from __future__ import annotations

from typing import Any

from orderwell.domain.branding import Branding

SAMPLE_BRAND = Branding(
    shop_name="Kite & Co",
    sender="Kite & Co <orders@kite.example>",
    colour="#0b6e4f",
    logo_url="https://kite.example/logo.png",
    footer="Kite & Co GmbH · Hauptstraße 1 · 10115 Berlin",
    support_email="help@kite.example",
    website_url="https://kite.example",
)

SAMPLE_TRACKING = "https://track.example/JD014600003?lang=en&ref=mail"
SAMPLE_LINES = [
    {"name": "Stoneware mug, blue", "sku": "MUG-BLU", "quantity": 2},
    {"name": "Loose-leaf tea 100 g", "quantity": 1},
]
SAMPLE_COMMON = {"customer_name": "Ana Souza", "order_number": "K-100234"}

SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {
    "order_received": {
        "lines": SAMPLE_LINES,
        "total": "42.80 EUR",
        "order_url": "https://kite.example/o/1",
    },
    "backordered": {"backordered_lines": SAMPLE_LINES[:1], "expected_date": "14 June"},
    "on_hold": {"reason": "we need to confirm your address.", "action_needed": "reply with it"},
    "shipped": {
        "carrier": "DHL",
        "tracking_number": "JD014600003",
        "tracking_url": SAMPLE_TRACKING,
        "lines": SAMPLE_LINES,
        "estimated_delivery": "Thursday 13 June",
    },
    "out_for_delivery": {"carrier": "DHL", "tracking_url": SAMPLE_TRACKING},
    "delivered": {"delivered_on": "13 June", "return_url": "https://kite.example/returns"},
    "delivery_delayed": {
        "reason": "The carrier reports a delay at its hub.",
        "what_happens_next": "It is still on its way; you do not need to do anything.",
        "new_estimate": "Monday 17 June",
        "tracking_url": SAMPLE_TRACKING,
    },
    "partly_cancelled": {"cancelled_lines": SAMPLE_LINES[1:], "refund_amount": "6.90 EUR"},
    "short_shipped": {"missing_lines": SAMPLE_LINES[1:], "refund_amount": "6.90 EUR"},
    "cancelled": {"reason": "at your request", "refund_amount": "42.80 EUR"},
    "return_authorized": {
        "rma_number": "RMA-5521",
        "lines": SAMPLE_LINES[:1],
        "label_url": "https://kite.example/labels/RMA-5521.pdf",
        "return_by": "30 June",
    },
    "return_received": {
        "rma_number": "RMA-5521",
        "lines": SAMPLE_LINES[:1],
        "refund_within_days": 5,
    },
    "refund_issued": {"refund_amount": "35.90 EUR", "payment_method": "Visa card ending 4242"},
}


def sample_context(kind: str) -> dict[str, Any]:
    """What a message of ``kind`` is rendered with, made up (Ana Souza's order K-100234)."""
    return {**SAMPLE_COMMON, **SAMPLE_CONTEXTS[kind]}
