"""Channels over HTTP: the registry (add, list, show, change, disable), sync health and
retry, and the storefronts' webhook endpoint.

``POST /channels/{name}/webhooks`` is public (the platforms cannot send our bearer
tokens): its key is the channel's shared secret, checked as an HMAC of the raw body
before anything is parsed or stored. A forged or unsigned request gets 401 and leaves
no trace.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from orderwell.channels import config
from orderwell.channels.health import health_view
from orderwell.channels.intake import Intake, NewOrder
from orderwell.channels.known_channels import KnownChannel, known_channels
from orderwell.channels.schemas import (
    ChannelDetail,
    ChannelHealth,
    ChannelList,
    ChannelOut,
    RetryOut,
    WebhookTaken,
)
from orderwell.channels.secrets import SecretBox, secret_box
from orderwell.channels.shopify import webhooks as shopify_hooks
from orderwell.channels.signatures import signature_ok
from orderwell.channels.sync import retry_channel
from orderwell.channels.woocommerce import webhooks as woo_hooks
from orderwell.domain.channels import ChannelKind
from orderwell.domain.errors import (
    ChannelDisabled,
    MalformedJson,
    NotFound,
    OrderwellError,
    Unauthorized,
)
from orderwell.http.deps import get_db, require
from orderwell.http.lean import LeanJsonRoute
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.orders.beside import Recheck
from orderwell.store.db import Database

router = APIRouter(tags=["channels"], route_class=LeanJsonRoute)
ChannelName = Annotated[str, Path(pattern=r"^[a-z0-9_\-]{1,40}$")]


def _box(db: Database) -> SecretBox:
    return secret_box(db, db.settings.secret_key)


# First of this router's routes: FastAPI tries a router's routes in order for every
# request, and the storefronts' webhooks are by far the most frequent request here.
@router.post(
    "/channels/{name}/webhooks",
    response_model=WebhookTaken,
    responses=problems(400, 401, 409, 422),
)
async def take_webhook(name: ChannelName, request: Request) -> JSON:
    """A storefront's webhook (Shopify ``orders/*``, ``refunds/create``; WooCommerce
    ``order.*``), signed with the channel's ``webhook_secret``."""
    db: Database = request.app.state.db
    body = await request.body()
    # WooCommerce's ping when a webhook is created is a form post, not an order.
    if body.startswith(b"webhook_id="):
        return JSON({"outcome": "ping"})
    # A new order for a channel read before: no read, no thread, the group rechecks
    # (channels/known_channels.py). Anything else, or a recheck that failed, the long way.
    known = known_channels(db)
    quick = _quick(request, db, known.get(name), body)
    if quick is not None:
        try:
            return await _place(quick)
        except Recheck:
            known.forget(name)
    # The long way: checks and look-ups in a thread; a new order's commit is awaited on
    # the loop, so no thread of the pool waits for it (as POST /orders).
    step = await run_in_threadpool(_receive, request, db, name, body)
    return await _place(step) if isinstance(step, NewOrder) else _answer(step)


async def _place(step: NewOrder) -> JSON:
    """Place a new order; what an unusual outcome asks for (a hold, an adoption) goes to a
    thread."""
    outcome = await step.place_async()
    quick = step.placed(outcome)
    return _answer(quick if quick is not None else await run_in_threadpool(step.settle, outcome))


def _answer(taken: Intake) -> JSON:
    return JSON({"outcome": taken.outcome, "order_id": taken.order_id, "detail": taken.detail})


@router.post("/channels", status_code=201, response_model=ChannelOut, responses=problems(409))
def add_channel(
    item: config.ChannelIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:write")),
) -> JSON:
    """Add a channel. Its secrets are stored encrypted and never shown again."""
    return JSON(config.add_channel(db, item, _box(db)), status_code=201)


@router.get("/channels", response_model=ChannelList)
def list_channels(
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:read")),
) -> JSON:
    return JSON({"items": config.list_channels(db, _box(db))})


@router.get("/channels/{name}", response_model=ChannelDetail, responses=problems(404))
def show_channel(
    name: ChannelName,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:read")),
) -> JSON:
    box = _box(db)
    view = config.show_channel(db, name, box)
    with db.read() as conn:
        channel = config.get_channel(conn, name, box)
        view["health"] = health_view(conn, channel.id, db.clock())
    return JSON(view)


@router.patch("/channels/{name}", response_model=ChannelOut, responses=problems(404))
def change_channel(
    name: ChannelName,
    patch: config.ChannelPatch,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:write")),
) -> JSON:
    """Change a channel; ``secrets`` given are replaced by name, the others kept."""
    return JSON(config.change_channel(db, name, patch, _box(db)))


@router.post("/channels/{name}/disable", response_model=ChannelOut, responses=problems(404))
def disable_channel(
    name: ChannelName,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:write")),
) -> JSON:
    """Stop taking webhooks and pushing; pushes wait, nothing is lost."""
    box = _box(db)
    return JSON(config.change_channel(db, name, config.ChannelPatch(active=False), box))


@router.get("/channels/{name}/health", response_model=ChannelHealth, responses=problems(404))
def channel_health(
    name: ChannelName,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:read")),
) -> JSON:
    with db.read() as conn:
        channel = config.get_channel(conn, name, _box(db))
        return JSON({"name": name, **health_view(conn, channel.id, db.clock())})


@router.post("/channels/{name}/retry", response_model=RetryOut, responses=problems(404))
def retry(
    name: ChannelName,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("channels:retry")),
) -> JSON:
    """Failed pushes become due now; held orders are tried again."""
    return JSON(retry_channel(db, name, _box(db)))


def _verified(request: Request, db: Database, name: str, body: bytes) -> config.Channel:
    """The channel read afresh (and kept for the quick path), if it takes this webhook."""
    with db.read() as conn:
        try:
            row = config.channel_row(conn, name)
        except NotFound:
            raise Unauthorized("no channel takes webhooks at this address") from None
    channel = config.as_channel(row, _box(db))
    known_channels(db).remember(row, channel)
    return _signed(request, channel, body)


def _signed(request: Request, channel: config.Channel, body: bytes) -> config.Channel:
    if channel.kind is ChannelKind.SHOPIFY:
        given = request.headers.get("X-Shopify-Hmac-Sha256")
    elif channel.kind is ChannelKind.WOOCOMMERCE:
        given = request.headers.get("X-WC-Webhook-Signature")
    else:
        raise Unauthorized(f"a {channel.kind.value} channel takes no webhooks")
    if not signature_ok(channel.secrets.get("webhook_secret", ""), body, given):
        raise Unauthorized("the webhook signature is missing or does not match its body")
    if not channel.active:
        raise ChannelDisabled(f"channel {channel.name} is disabled")
    return channel


def _quick(
    request: Request, db: Database, known: KnownChannel | None, body: bytes
) -> NewOrder | None:
    """The webhook as a new order against the channel as last read, without a read of its
    own; None when it should go the long way - not a new order's topic, or anything the
    long way would refuse or hold, which it then decides on a fresh read."""
    if known is None:
        return None
    try:
        step = _taken_by(request, db, _signed(request, known.channel, body), body, known.row)
    except (Recheck, OrderwellError):
        return None
    return step if isinstance(step, NewOrder) else None


def _receive(request: Request, db: Database, name: str, body: bytes) -> Intake | NewOrder:
    return _taken_by(request, db, _verified(request, db, name, body), body, None)


def _taken_by(
    request: Request,
    db: Database,
    channel: config.Channel,
    body: bytes,
    seen_as: tuple[Any, ...] | None,
) -> Intake | NewOrder:
    """The platform's intake of a verified webhook (``seen_as``: intake.receive_order)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedJson("the webhook body is not JSON") from None
    h = request.headers
    if channel.kind is ChannelKind.SHOPIFY:
        topic, delivery_id = h.get("X-Shopify-Topic", ""), h.get("X-Shopify-Webhook-Id")
        return shopify_hooks.receive_webhook(
            db, channel, topic, delivery_id, payload, seen_as=seen_as
        )
    topic, delivery_id = h.get("X-WC-Webhook-Topic", ""), h.get("X-WC-Webhook-Delivery-ID")
    return woo_hooks.receive_webhook(db, channel, topic, delivery_id, payload, seen_as=seen_as)
