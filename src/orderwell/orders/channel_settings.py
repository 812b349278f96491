"""Per-channel settings: who sends its messages and how they look, who opted out, and the
promises it makes (ship cut-off, handling days, return window).

A channel with no row gets the installation's defaults (``ORDERWELL_MAIL_FROM``,
``ORDERWELL_SHOP_NAME``, ``ORDERWELL_RETURN_WINDOW_DAYS``...), so messages work before
anyone configures anything; the caller passes those settings in (``db.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.config import Settings
from orderwell.domain.branding import (
    Branding,
    branding_from_mapping,
    branding_to_mapping,
    check_address,
)
from orderwell.domain.errors import InvalidInput
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.limits import DEFAULT_MAX_LINE_UNITS, DEFAULT_MAX_ORDER_UNITS, OrderLimits
from orderwell.orders.schemas import BrandingOut, ChannelSettingsOut
from orderwell.store.db import Database
from orderwell.store.tables_outbound import channel_settings


class ChannelSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: str | None = Field(
        default=None, max_length=254, examples=["Kite <orders@kite.example>"]
    )
    branding: dict[str, Any] = Field(default_factory=dict)
    messages_enabled: bool = True
    opted_out_emails: list[str] = Field(default_factory=list, max_length=100_000)
    return_window_days: int = Field(default=30, ge=0, le=3650)
    ship_cutoff_hour: int = Field(default=14, ge=0, le=23)
    handling_days: int = Field(default=1, ge=0, le=60)
    backorder_grace_days: int = Field(default=3, ge=0, le=365)
    # Order limits (orders/limits.py): an order above them is held for review.
    max_line_units: int = Field(default=DEFAULT_MAX_LINE_UNITS, ge=1, le=1_000_000)
    max_order_units: int = Field(default=DEFAULT_MAX_ORDER_UNITS, ge=1, le=10_000_000)
    max_order_value: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1000000000"), decimal_places=2, allow_inf_nan=False
    )


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    channel: str
    sender: str
    branding: Branding
    messages_enabled: bool
    opted_out: frozenset[str]
    return_window_days: int
    ship_cutoff_hour: int
    handling_days: int
    backorder_grace_days: int
    limits: OrderLimits = field(default_factory=OrderLimits)

    def promised_ship_by(self, placed_at: datetime) -> datetime:
        """The cut-off by which an order must leave: ``handling_days`` after the order
        day at the cut-off hour, one day more when it came in after the cut-off."""
        day = placed_at.replace(minute=0, second=0, microsecond=0)
        cutoff = day.replace(hour=self.ship_cutoff_hour)
        days = self.handling_days + (1 if placed_at >= cutoff else 0)
        return cutoff + timedelta(days=days)


def _defaults(channel: str, s: Settings) -> ChannelConfig:
    return ChannelConfig(
        channel=channel,
        sender=s.mail_from,
        branding=Branding(shop_name=s.shop_name, sender=s.mail_from),
        messages_enabled=True,
        opted_out=frozenset(),
        return_window_days=s.return_window_days,
        ship_cutoff_hour=14,
        handling_days=1,
        backorder_grace_days=3,
    )


def _from_row(row: Any, s: Settings) -> ChannelConfig:
    sender = row.sender or s.mail_from
    brand = {"shop_name": s.shop_name, **dict(row.branding), "sender": sender}
    return ChannelConfig(
        channel=row.channel,
        sender=sender,
        branding=branding_from_mapping(brand),
        messages_enabled=row.messages_enabled,
        opted_out=frozenset(e.lower() for e in row.opted_out_emails),
        return_window_days=row.return_window_days,
        ship_cutoff_hour=row.ship_cutoff_hour,
        handling_days=row.handling_days,
        backorder_grace_days=row.backorder_grace_days,
        limits=OrderLimits(row.max_line_units, row.max_order_units, row.max_order_value),
    )


def load_channel(conn: Connection, channel: str, settings: Settings) -> ChannelConfig:
    """The channel's settings; the installation's ``settings`` fill in what it has not set."""
    row = conn.execute(
        sa.select(channel_settings).where(channel_settings.c.channel == channel)
    ).first()
    return _from_row(row, settings) if row is not None else _defaults(channel, settings)


def load_channels(
    conn: Connection, channels: set[str], settings: Settings
) -> dict[str, ChannelConfig]:
    rows = conn.execute(
        sa.select(channel_settings).where(channel_settings.c.channel.in_(sorted(channels)))
    ).all()
    found = {r.channel: _from_row(r, settings) for r in rows}
    return {c: found.get(c) or _defaults(c, settings) for c in channels}


def put_channel_settings(db: Database, channel: str, item: ChannelSettingsIn) -> ChannelSettingsOut:
    """Create or replace a channel's settings (checked in full before anything is written)."""
    if not 1 <= len(channel) <= 40:
        raise InvalidInput("a channel name is 1 to 40 characters", field="channel")
    s = db.settings
    sender = item.sender or s.mail_from
    check_address(sender, "sender")  # refuses a sender that is not one address
    brand_fields = {k: v for k, v in item.branding.items() if k != "sender"}
    unknown = set(brand_fields) - set(Branding.__dataclass_fields__)
    if unknown:
        raise InvalidInput(f"unknown branding field {sorted(unknown)[0]}", field="branding")
    try:
        brand = Branding(**{"shop_name": s.shop_name, **brand_fields, "sender": sender})
    except TypeError as exc:
        raise InvalidInput(str(exc), field="branding") from None
    stored_brand = {k: v for k, v in branding_to_mapping(brand).items() if k != "sender"}
    for i, email in enumerate(item.opted_out_emails):
        if "@" not in email or len(email) > 254:
            raise InvalidInput(f"'{email}' is not an email address", field=f"opted_out_emails.{i}")
    values = {
        "sender": item.sender,
        "branding": stored_brand,
        "messages_enabled": item.messages_enabled,
        "opted_out_emails": sorted({e.lower() for e in item.opted_out_emails}),
        "return_window_days": item.return_window_days,
        "ship_cutoff_hour": item.ship_cutoff_hour,
        "handling_days": item.handling_days,
        "backorder_grace_days": item.backorder_grace_days,
        "max_line_units": item.max_line_units,
        "max_order_units": item.max_order_units,
        "max_order_value": item.max_order_value,
        "updated_at": db.clock(),
    }

    def work(conn: Connection) -> ChannelSettingsOut:
        ins = dialect_insert(conn, channel_settings).values(channel=channel, **values)
        conn.execute(ins.on_conflict_do_update(index_elements=["channel"], set_=values))
        return channel_view(load_channel(conn, channel, s))

    return db.write(work)


def channel_view(cfg: ChannelConfig) -> ChannelSettingsOut:
    # BrandingOut is Branding without its sender (a test keeps the two equal).
    branding = {k: v for k, v in branding_to_mapping(cfg.branding).items() if k != "sender"}
    return {
        "channel": cfg.channel,
        "sender": cfg.sender,
        "branding": cast(BrandingOut, branding),
        "messages_enabled": cfg.messages_enabled,
        "opted_out_emails": sorted(cfg.opted_out),
        "return_window_days": cfg.return_window_days,
        "ship_cutoff_hour": cfg.ship_cutoff_hour,
        "handling_days": cfg.handling_days,
        "backorder_grace_days": cfg.backorder_grace_days,
        "max_line_units": cfg.limits.max_line_units,
        "max_order_units": cfg.limits.max_order_units,
        "max_order_value": (
            None if cfg.limits.max_order_value is None else f"{cfg.limits.max_order_value:.2f}"
        ),
    }
