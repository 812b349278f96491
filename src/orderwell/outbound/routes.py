"""Webhook subscriptions, deliveries and attempts, manual redelivery; customer messages;
channel settings (sender, branding, opt-out, promises)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from orderwell.http.deps import get_db, require
from orderwell.http.params import RowId, RowIdQuery
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.orders.channel_settings import (
    ChannelSettingsIn,
    channel_view,
    load_channel,
    put_channel_settings,
)
from orderwell.orders.schemas import ChannelSettingsOut
from orderwell.outbound import webhooks as hooks
from orderwell.outbound.messages import list_messages
from orderwell.outbound.schemas import (
    AttemptList,
    Delivery,
    DeliveryList,
    MessageList,
    Subscription,
    SubscriptionCreated,
    SubscriptionList,
)
from orderwell.store.db import Database

router = APIRouter(tags=["webhooks and messages"])


class RedeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(min_length=1, max_length=36)


@router.post("/webhooks/subscriptions", status_code=201, response_model=SubscriptionCreated)
def create_subscription(
    item: hooks.SubscriptionIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:write")),
) -> JSON:
    """Create a subscription. The answer holds its signing secret, shown only this once."""
    return JSON(hooks.create_subscription(db, item), status_code=201)


@router.get("/webhooks/subscriptions", response_model=SubscriptionList)
def list_subscriptions(
    include_inactive: bool = False,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:read")),
) -> JSON:
    with db.read() as conn:
        return JSON({"items": hooks.list_subscriptions(conn, include_inactive=include_inactive)})


@router.get(
    "/webhooks/subscriptions/{subscription_id}",
    response_model=Subscription,
    responses=problems(404),
)
def get_subscription(
    subscription_id: RowId,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:read")),
) -> JSON:
    with db.read() as conn:
        return JSON(hooks.get_subscription(conn, subscription_id))


@router.delete(
    "/webhooks/subscriptions/{subscription_id}",
    status_code=204,
    response_model=None,
    responses={204: {"description": "deactivated; nothing more is sent to it"}, **problems(404)},
)
def delete_subscription(
    subscription_id: RowId,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:write")),
) -> JSON:
    hooks.delete_subscription(db, subscription_id)
    return JSON(None, status_code=204)


@router.post(
    "/webhooks/subscriptions/{subscription_id}/redeliver",
    status_code=202,
    response_model=Delivery,
    responses=problems(404),
)
def redeliver(
    subscription_id: RowId,
    item: RedeliverIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:write")),
) -> JSON:
    """Send an event to this subscription again, now (same event id)."""
    return JSON(hooks.redeliver(db, subscription_id, item.event_id), status_code=202)


@router.get("/webhooks/deliveries", response_model=DeliveryList)
def list_deliveries(
    subscription_id: RowIdQuery = None,
    status: Annotated[str | None, Query(max_length=12)] = None,
    event_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: RowIdQuery = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:read")),
) -> JSON:
    with db.read() as conn:
        items = hooks.list_deliveries(
            conn,
            subscription_id=subscription_id,
            status=status,
            event_id=event_id,
            limit=limit,
            before_id=before_id,
        )
    return JSON({"items": items})


@router.get(
    "/webhooks/deliveries/{delivery_id}/attempts",
    response_model=AttemptList,
    responses=problems(404),
)
def list_attempts(
    delivery_id: RowId,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("webhooks:read")),
) -> JSON:
    with db.read() as conn:
        return JSON({"items": hooks.list_attempts(conn, delivery_id)})


@router.get("/messages", response_model=MessageList, responses=problems(404))
def messages(
    order: Annotated[str | None, Query(max_length=30, description="id or OW-number")] = None,
    status: Annotated[str | None, Query(max_length=12)] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: RowIdQuery = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("messages:read")),
) -> JSON:
    order_id = db.numbers.parse(order) if order else None
    with db.read() as conn:
        items = list_messages(
            conn,
            db.numbers,
            order_id=order_id,
            status=status,
            kind=kind,
            limit=limit,
            before_id=before_id,
        )
    return JSON({"items": items})


@router.get("/channels/{channel}/settings", response_model=ChannelSettingsOut)
def get_channel_settings(
    channel: str,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("settings:read")),
) -> JSON:
    with db.read() as conn:
        return JSON(channel_view(load_channel(conn, channel, db.settings)))


@router.put("/channels/{channel}/settings", response_model=ChannelSettingsOut)
def set_channel_settings(
    channel: str,
    item: ChannelSettingsIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("settings:write")),
) -> JSON:
    return JSON(put_channel_settings(db, channel, item))
