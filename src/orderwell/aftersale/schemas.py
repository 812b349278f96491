"""The answers of the after-sale API: payments, returns (RMA), refunds, exchanges
(TypedDicts: see http/answers.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.aftersale.return_rules import Disposition, ReturnReason
from orderwell.aftersale.rma import ReturnStatus
from orderwell.http.answers import Money, closed, enum_schema
from orderwell.orders.schemas import OrderDetail


@closed
class PaymentTotalsOut(TypedDict):
    currency: str
    authorized: Money
    captured: Money
    refunded: Money
    voided: Money
    refundable: Annotated[Money, Field(description="captured and not yet refunded")]


@closed
class PaymentEntry(TypedDict):
    id: int
    kind: Annotated[str, enum_schema(PaymentKind)]
    amount: Money
    currency: str
    reference: str | None
    source: str
    refund_id: int | None
    note: str | None
    at: datetime
    actor: str


@closed
class PaymentLedger(TypedDict):
    entries: Annotated[list[PaymentEntry], Field(description="oldest first")]
    totals: PaymentTotalsOut


@closed
class PaymentRecorded(TypedDict):
    id: int
    kind: Annotated[str, enum_schema(PaymentKind)]
    amount: Money
    currency: str
    totals: PaymentTotalsOut


@closed
class ReturnLabel(TypedDict):
    carrier: str | None
    tracking_number: str
    sscc: str | None
    pdf: Annotated[str, Field(description="path of the label's PDF")]


@closed
class InspectedUnit(TypedDict):
    unit_no: int
    disposition: Annotated[str, enum_schema(Disposition)]
    bin: str | None
    note: str | None


@closed
class ReturnLine(TypedDict):
    line_no: int
    sku: str
    name: str
    reason: Annotated[str, enum_schema(ReturnReason)]
    requested: int
    received: int
    inspected: int
    refunded: int
    units: list[InspectedUnit]


@closed
class RefundOut(TypedDict):
    id: int
    amount: Money
    currency: str
    shipping: Money
    restocking_fees: Money
    breakdown: Annotated[dict[str, Any], Field(description="how the amount was reached")]
    at: datetime


@closed
class Return(TypedDict):
    """A return (RMA) with its lines, inspected units, refunds and exchange."""

    id: int
    number: Annotated[str, Field(examples=["OW-000042-R1"])]
    order: str
    status: Annotated[str, enum_schema(ReturnStatus)]
    reason: Annotated[str, enum_schema(ReturnReason)]
    source: str
    customer_note: str | None
    decision_note: str | None
    warehouse: str | None
    label: ReturnLabel | None
    requested_at: datetime
    authorized_at: datetime | None
    rejected_at: datetime | None
    received_at: datetime | None
    inspected_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    lines: list[ReturnLine]
    refunds: list[RefundOut]
    exchange_order: str | None


@closed
class ReturnList(TypedDict):
    items: list[Return]


@closed
class RefundIssued(TypedDict):
    id: int
    amount: Money
    currency: str


@closed
class ReturnRefunded(Return):
    refund: Annotated[RefundIssued, Field(description="the refund this request issued")]


@closed
class ExchangeFor(TypedDict):
    return_id: int
    new_order_id: int


@closed
class ExchangeMade(TypedDict):
    exchange_for: ExchangeFor
    order: Annotated[OrderDetail, Field(description="the replacement order")]
