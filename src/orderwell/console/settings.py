"""Settings: channels, carriers, boxes, webhooks and message templates.

Users and API tokens, which only admins manage, are in ``people.py``.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from orderwell.console.frame import Visit, done, page
from orderwell.orders.channel_settings import (
    ChannelSettingsIn,
    channel_view,
    load_channel,
    load_channels,
    put_channel_settings,
)
from orderwell.outbound import webhooks
from orderwell.outbound.message_render import MESSAGE_KINDS
from orderwell.outbound.message_templates import customised_kinds
from orderwell.store.tables import orders
from orderwell.store.tables_outbound import channel_settings
from orderwell.warehouse import boxes as box_catalog_service
from orderwell.warehouse.boxes import BoxIn
from orderwell.warehouse.carriers.rate_tables import load_carriers

router = APIRouter(prefix="/settings")


@router.get("", response_class=HTMLResponse)
def settings_screen(visit: Annotated[Visit, Depends(page("settings:read"))]) -> Response:
    with visit.db.read() as conn:
        # Channels: those with settings, and those orders came from (defaults apply).
        names = set(conn.execute(sa.select(channel_settings.c.channel)).scalars())
        names |= set(conn.execute(sa.select(orders.c.channel).distinct()).scalars())
        channels = [
            channel_view(cfg)
            for _, cfg in sorted(load_channels(conn, names, visit.db.settings).items())
        ]
        boxes = box_catalog_service.all_boxes(conn)
        customised = customised_kinds(conn)
        hooks = (
            webhooks.list_subscriptions(conn, include_inactive=True)
            if visit.may("webhooks:read")
            else None
        )
    return visit.render(
        "settings.html",
        channels=channels,
        carriers=load_carriers(),
        boxes=boxes,
        hooks=hooks,
        kinds=sorted(MESSAGE_KINDS.items()),
        customised=customised,
    )


@router.post("/channels/{channel}")
def save_channel(
    channel: str, visit: Annotated[Visit, Depends(page("settings:write"))]
) -> Response:
    with visit.db.read() as conn:
        current = channel_view(load_channel(conn, channel, visit.db.settings))
    # Only the fields on the form change; branding and opt-outs are kept as they are.
    item = ChannelSettingsIn.model_validate(
        {
            "sender": visit.text("sender"),
            "branding": current["branding"],
            "messages_enabled": visit.form.get("messages_enabled") == "on",
            "opted_out_emails": current["opted_out_emails"],
            "return_window_days": visit.number("return_window_days"),
            "ship_cutoff_hour": visit.number("ship_cutoff_hour"),
            "handling_days": visit.number("handling_days"),
            "backorder_grace_days": visit.number("backorder_grace_days"),
        }
    )
    put_channel_settings(visit.db, channel, item)
    return done("/settings", ok=f"Channel {channel} saved")


@router.post("/boxes")
def save_box_form(visit: Annotated[Visit, Depends(page("settings:write"))]) -> Response:
    """Add a box or change one (by code): the packers' choice changes from the next package."""
    item = BoxIn.model_validate(
        {
            "code": visit.form.get("code", ""),
            "inner_length_mm": visit.number("inner_length_mm"),
            "inner_width_mm": visit.number("inner_width_mm"),
            "inner_height_mm": visit.number("inner_height_mm"),
            "tare_weight_g": visit.number("tare_weight_g"),
            "max_weight_g": visit.number("max_weight_g"),
            "active": visit.form.get("active") == "on",
        }
    )
    box_catalog_service.save_box(visit.db, item)
    return done("/settings", ok=f"Box {item.code} saved")


@router.post("/webhooks")
def add_webhook(visit: Annotated[Visit, Depends(page("webhooks:write"))]) -> Response:
    events = [e.strip() for e in visit.form.get("event_types", "").split(",") if e.strip()]
    item = webhooks.SubscriptionIn.model_validate(
        {
            "url": visit.form.get("url", ""),
            "description": visit.form.get("description", ""),
            **({"event_types": events} if events else {}),
        }
    )
    made = webhooks.create_subscription(visit.db, item)
    # The signing secret is shown once, like an API token.
    return visit.render("secret_once.html", what="Webhook signing secret", secret=made["secret"])


@router.post("/webhooks/{subscription_id}/delete")
def delete_webhook(
    subscription_id: int, visit: Annotated[Visit, Depends(page("webhooks:write"))]
) -> Response:
    webhooks.delete_subscription(visit.db, subscription_id)
    return done("/settings", ok="Webhook subscription removed")
