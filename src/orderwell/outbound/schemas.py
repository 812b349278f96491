"""The answers of the outbound API: webhook subscriptions, deliveries and their attempts,
customer messages (TypedDicts: see http/answers.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.http.answers import closed
from orderwell.store.tables_outbound import DELIVERY_STATUSES, MESSAGE_STATUSES


@closed
class Subscription(TypedDict):
    id: int
    url: str
    event_types: Annotated[list[str], Field(description="event types or families (order.*) or *")]
    description: str
    active: bool
    created_at: datetime


@closed
class SubscriptionCreated(Subscription):
    secret: Annotated[str, Field(description="whsec_...: shown only in this answer")]


@closed
class SubscriptionList(TypedDict):
    items: list[Subscription]


@closed
class Delivery(TypedDict):
    id: int
    event_id: str
    event_type: str
    order_id: int | None
    subscription_id: int
    status: Annotated[str, Field(json_schema_extra={"enum": list(DELIVERY_STATUSES)})]
    attempts: int
    next_attempt_at: Annotated[datetime | None, Field(description="set while pending")]
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


@closed
class DeliveryList(TypedDict):
    items: Annotated[list[Delivery], Field(description="newest first")]


@closed
class Attempt(TypedDict):
    attempt_no: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    ok: bool
    error: str | None
    response_excerpt: str
    worker: str


@closed
class AttemptList(TypedDict):
    items: list[Attempt]


@closed
class Message(TypedDict):
    id: int
    order_id: int
    order_number: str
    event_id: str | None
    kind: str
    recipient: str
    subject: str | None
    status: Annotated[str, Field(json_schema_extra={"enum": list(MESSAGE_STATUSES)})]
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    message_id: str | None
    created_at: datetime


@closed
class MessageList(TypedDict):
    items: Annotated[list[Message], Field(description="newest first")]
