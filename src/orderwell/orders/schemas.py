"""The answers of the orders API: one order, its lines, lists and the timeline.

TypedDicts (see ``http/answers.py`` for why): ``orders/queries.py`` builds them, the
routes name them for /openapi.json.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.domain.lifecycle import BUCKETS, HoldReason, OrderStatus
from orderwell.http.answers import Money, closed, enum_schema
from orderwell.orders.rules import PaymentStatus

OrderStatusText = Annotated[
    str, enum_schema(OrderStatus, "derived from where the order's units are")
]


@closed
class Hold(TypedDict):
    reason: Annotated[str, enum_schema(HoldReason)]
    note: str | None


@closed
class CustomerOut(TypedDict):
    email: str
    name: str | None
    phone: str | None


@closed
class AddressOut(TypedDict):
    name: str
    company: str | None
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: Annotated[str, Field(description="ISO 3166-1 alpha-2")]


@closed
class OrderTotals(TypedDict):
    subtotal: Money
    discount: Money
    tax: Money
    shipping: Money
    total: Money


@closed
class Order(TypedDict):
    """An order without its lines, as lists show it."""

    id: int
    number: Annotated[str, Field(examples=["OW-000042"])]
    channel: str
    external_id: str | None
    status: OrderStatusText
    hold: Hold | None
    customer: CustomerOut
    shipping_address: AddressOut
    currency: str
    totals: OrderTotals
    shipping_method: str | None
    requested_delivery_date: date | None
    payment_status: Annotated[str, enum_schema(PaymentStatus)]
    allow_partial_shipment: bool
    notes: str | None
    sourcing_reason: str | None
    placed_at: datetime
    updated_at: datetime


# One member per unit bucket (domain/lifecycle.BUCKETS); a test keeps them equal.
@closed
class Units(TypedDict):
    backordered: int
    reserved: int
    picked: int
    packed: int
    shipped: int
    delivered: int
    cancelled: int
    returned: int


@closed
class ReservedAt(TypedDict):
    warehouse: str
    quantity: int


@closed
class OrderLine(TypedDict):
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    discount: Money
    tax: Money
    line_total: Money
    units: Annotated[Units, Field(description="where each unit of the line is")]
    reserved_at: Annotated[list[ReservedAt], Field(description="reserved units by warehouse")]


@closed
class OrderDetail(Order):
    """One order with its lines."""

    lines: list[OrderLine]
    # GET /orders/{ref} adds the customer's tracking page (null when the app has no maker).
    tracking_page_url: NotRequired[str | None]


@closed
class OrderList(TypedDict):
    items: list[Order]
    next_cursor: Annotated[str | None, Field(description="pass as cursor= for the next page")]


@closed
class TimelineEntry(TypedDict):
    at: datetime
    actor: str
    type: str
    summary: str
    data: dict[str, Any]
    request_id: Annotated[str | None, Field(description="the HTTP request that made the change")]


@closed
class Timeline(TypedDict):
    items: list[TimelineEntry]


BUCKET_NAMES = tuple(b.value for b in BUCKETS)


@closed
class BrandingOut(TypedDict):
    """How the channel's messages and pages look (outbound/message_render.Branding, without
    the sender, which is its own member); a test keeps the two equal."""

    shop_name: str
    colour: Annotated[str, Field(examples=["#1f6feb"])]
    logo_url: str | None
    footer: str
    support_email: str | None
    website_url: str | None
    sign_off: str
    language: str


@closed
class ChannelSettingsOut(TypedDict):
    channel: str
    sender: Annotated[str, Field(examples=["Kite <orders@kite.example>"])]
    branding: BrandingOut
    messages_enabled: bool
    opted_out_emails: list[str]
    return_window_days: int
    ship_cutoff_hour: int
    handling_days: int
    backorder_grace_days: int
    max_line_units: Annotated[
        int, Field(description="units of one SKU above which an order is held")
    ]
    max_order_units: Annotated[int, Field(description="units in one order above which it is held")]
    max_order_value: Annotated[
        Money | None, Field(description="order total (its currency) above which it is held")
    ]
