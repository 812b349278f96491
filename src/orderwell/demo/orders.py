"""Ninety days of demo orders, planned up front from the seed.

Each planned order is a ``PlaceOrder`` exactly as a channel would send it, a time, and a
story: what happens to it after it arrives (held and released, cancelled, partly
cancelled...). The simulation in ``demo/simulation.py`` plays the stories through the
real services in time order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderwell.demo.customers import COUNTRY_BY_CODE, Shopper, company_name, make_shopper
from orderwell.domain.lifecycle import HoldReason
from orderwell.domain.money import quantize
from orderwell.inventory.catalog import ProductIn
from orderwell.orders.rules import PlaceOrder

# Orders by hour of day (UTC, close enough to CET for shoppers): evening peak.
_HOURLY = (
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.3,
    0.6,
    1.2,
    1.8,
    2,
    2,
    2.2,
    2.5,
    2.3,
    2.1,
    2,
    2.2,
    2.5,
    3,
    3.5,
    3.8,
    3.5,
    2.5,
    1.6,
)
_CHANNELS = {"shopify": 40, "woocommerce": 20, "api": 25, "csv": 10, "edi": 5}
_PAYMENT = {
    "shopify": (("paid", 95), ("authorized", 5)),
    "woocommerce": (("paid", 80), ("pending", 20)),
    "api": (("authorized", 70), ("paid", 30)),
    "csv": (("paid", 100),),
    "edi": (("pending", 100),),  # B2B buyers pay on invoice
}
_NOTES = (
    "Bitte beim Nachbarn abgeben, falls niemand da ist.",
    "Leave the parcel at the back door, please.",
    "Gift wrap please — it's a birthday present.",
    "Please deliver after 5 pm.",
    "Graag geen folders meegeven.",
    "Merci de sonner deux fois.",
)
HOLD_NOTES = {
    HoldReason.ADDRESS: "house number missing; customer e-mailed",
    HoldReason.PAYMENT: "waiting for the bank transfer",
    HoldReason.FRAUD_REVIEW: "billing and shipping names differ on a first order",
    HoldReason.CUSTOMER_REQUEST: "customer asked us to wait for a second order",
    HoldReason.ORDER_LIMIT: "far above what one customer buys; checking before we reserve",
}
SALE_DAYS = range(55, 58)  # a mid-season sale: busy days, 20 % off


class Story(StrEnum):
    PLAIN = "plain"
    HOLD_RELEASE = "hold_release"  # held for a while, then released
    HOLD_CANCEL = "hold_cancel"  # held, then cancelled (never paid, fraud confirmed)
    CANCEL = "cancel"  # customer changed their mind
    PARTIAL_CANCEL = "partial_cancel"  # one line or some units dropped


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    at: datetime
    request: PlaceOrder
    story: Story
    hold_reason: HoldReason | None = None
    first_step: timedelta = timedelta(0)  # placement -> hold or cancel
    second_step: timedelta = timedelta(0)  # hold -> release or cancel

    @property
    def hold_note(self) -> str | None:
        return HOLD_NOTES[self.hold_reason] if self.hold_reason else None


def order_times(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` times between start and end: growing trend, busy weekends and sale days."""
    days = max(1, math.floor((end - start) / timedelta(days=1)))
    weights = []
    for d in range(days):
        weekday = (start + timedelta(days=d)).weekday()
        weight = (0.8 + 0.4 * d / days) * (1.15 if weekday >= 5 else 1.0)
        weights.append(weight * (2.5 if d in SALE_DAYS else 1.0))
    times: list[datetime] = []
    while len(times) < count:
        day = rng.choices(range(days), weights=weights)[0]
        hour = rng.choices(range(24), weights=_HOURLY)[0]
        at = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        if at < end:
            times.append(at)
    return sorted(times)


def _story(rng: random.Random, channel: str, value: Decimal) -> tuple[Story, HoldReason | None]:
    roll = rng.random()
    if roll < 0.04:
        if channel == "woocommerce" or (channel == "api" and roll < 0.01):
            return Story.HOLD_RELEASE, HoldReason.PAYMENT
        if value > 150:
            return Story.HOLD_RELEASE, HoldReason.FRAUD_REVIEW
        return Story.HOLD_RELEASE, rng.choice((HoldReason.ADDRESS, HoldReason.CUSTOMER_REQUEST))
    if roll < 0.05:
        return Story.HOLD_CANCEL, rng.choice((HoldReason.PAYMENT, HoldReason.FRAUD_REVIEW))
    if roll < 0.07:
        return Story.CANCEL, None
    if roll < 0.095:
        return Story.PARTIAL_CANCEL, None
    return Story.PLAIN, None


@dataclass(slots=True)
class OrderPlanner:
    """Turns a seed into orders: who buys, what, through which channel, at what price."""

    rng: random.Random
    products: list[ProductIn]
    popularity: list[float]
    shoppers: list[Shopper]
    serials: dict[str, int]

    @classmethod
    def create(
        cls, rng: random.Random, products: list[ProductIn], popularity: list[float], count: int
    ) -> OrderPlanner:
        shoppers = [make_shopper(rng, n) for n in range(1, max(20, int(count * 0.65)) + 1)]
        return cls(rng, products, popularity, shoppers, dict.fromkeys(_CHANNELS, 0))

    def plan(self, at: datetime, sale: bool) -> PlannedOrder:
        rng = self.rng
        channel = rng.choices(list(_CHANNELS), weights=list(_CHANNELS.values()))[0]
        # Repeat customers: the first shoppers in the list buy far more often.
        shopper = rng.choices(
            self.shoppers, weights=[1 / (i + 4) for i in range(len(self.shoppers))]
        )[0]
        b2b = channel == "edi"
        picks = self._pick_products(rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0] + b2b)
        vat = COUNTRY_BY_CODE[shopper.country].vat
        if b2b and shopper.country != "DE":
            vat = Decimal(0)  # intra-EU B2B supply: the buyer accounts for VAT (reverse charge)
        lines: list[dict[str, Any]] = []
        subtotal = Decimal(0)
        for product in picks:
            quantity = (
                rng.choice((6, 12, 24)) if b2b else rng.choices((1, 2, 3, 4), (75, 18, 5, 2))[0]
            )
            unit_price = quantize(product.price * Decimal("0.6"), "EUR") if b2b else product.price
            gross = unit_price * quantity
            discount = Decimal(0)
            if sale or (not b2b and rng.random() < 0.12):
                discount = quantize(gross * (Decimal("0.2") if sale else Decimal("0.1")), "EUR")
            tax = quantize((gross - discount) * vat, "EUR")
            subtotal += gross - discount
            lines.append(
                {
                    "sku": product.sku,
                    "quantity": quantity,
                    "unit_price": str(unit_price),
                    "discount": str(discount),
                    "tax": str(tax),
                }
            )
        story, reason = _story(rng, channel, subtotal)
        if story is Story.PARTIAL_CANCEL and sum(ln["quantity"] for ln in lines) < 2:
            story = Story.CANCEL  # one unit cannot be cancelled in part
        payment = rng.choices(*zip(*_PAYMENT[channel], strict=True))[0]
        if reason is HoldReason.PAYMENT:
            payment = "pending"
        express = not b2b and rng.random() < 0.06
        request = PlaceOrder.model_validate(
            {
                "channel": channel,
                "external_id": self._external_id(channel, at),
                "customer": {"email": shopper.email, "name": shopper.name, "phone": shopper.phone},
                "shipping_address": {
                    "name": shopper.name,
                    "company": company_name(rng, shopper) if b2b else None,
                    "line1": shopper.street,
                    "line2": shopper.line2,
                    "city": shopper.city,
                    "region": shopper.region,
                    "postal_code": shopper.postal_code,
                    "country": shopper.country,
                },
                "currency": "EUR",
                "lines": lines,
                "shipping": str(self._shipping(shopper.country, subtotal, b2b, express)),
                "shipping_method": "express" if express else "standard",
                "requested_delivery_date": (at + timedelta(days=rng.randint(5, 10))).date()
                if b2b
                else None,
                "payment_status": payment,
                "notes": ("Promo code SALE20" if sale else None)
                or (rng.choice(_NOTES) if rng.random() < 0.06 else None),
                "placed_at": at,
            }
        )
        first, second = self._delays(story, reason)
        return PlannedOrder(at, request, story, reason, first, second)

    def _pick_products(self, count: int) -> list[ProductIn]:
        chosen: dict[str, ProductIn] = {}
        while len(chosen) < count:
            product = self.rng.choices(self.products, weights=self.popularity)[0]
            chosen[product.sku] = product
        return list(chosen.values())

    def _external_id(self, channel: str, at: datetime) -> str:
        self.serials[channel] += 1
        n = self.serials[channel]
        return {
            "shopify": f"{5612004000000 + n * 1000 + self.rng.randrange(1000)}",
            "woocommerce": str(18000 + n),
            "api": f"APP-{at:%y%m%d}-{n:05d}",
            "csv": f"MKT-{at:%y%m%d}-{n:04d}",  # a marketplace's daily export
            "edi": f"4500{n:06d}",  # the buyer's purchase order number
        }[channel]

    @staticmethod
    def _shipping(country: str, subtotal: Decimal, b2b: bool, express: bool) -> Decimal:
        if b2b:
            return Decimal(0)  # freight is invoiced separately
        free_from, fee = (
            (Decimal(50), Decimal("4.90")) if country == "DE" else (Decimal(100), Decimal("9.90"))
        )
        base = Decimal(0) if subtotal >= free_from else fee
        return base + (Decimal("8.00") if express else 0)

    def _delays(self, story: Story, hold_reason: HoldReason | None) -> tuple[timedelta, timedelta]:
        rng = self.rng
        if story in (Story.HOLD_RELEASE, Story.HOLD_CANCEL):
            # A bank transfer or a customer's "please wait" can take a week or more.
            longest = 72 if hold_reason in (HoldReason.ADDRESS, HoldReason.FRAUD_REVIEW) else 336
            return timedelta(minutes=rng.randint(2, 45)), timedelta(hours=rng.uniform(1, longest))
        if story is Story.CANCEL:
            return timedelta(hours=rng.uniform(0.2, 48)), timedelta(0)
        if story is Story.PARTIAL_CANCEL:
            return timedelta(hours=rng.uniform(1, 96)), timedelta(0)
        return timedelta(0), timedelta(0)
