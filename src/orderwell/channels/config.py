"""The channel registry: which sales channels exist, how to reach them, their secrets.

A channel's ``name`` is what its orders carry in ``orders.channel`` and what its message
and promise settings are keyed by (``channel_settings``); the registry extends those
settings with the channel's kind, address, secrets, location mapping and partial-shipment
rule, and writes the return window through the existing settings service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.channels.secrets import SecretBox, seal, unseal
from orderwell.config import Settings
from orderwell.domain.channels import ChannelKind
from orderwell.domain.errors import (
    ChannelExists,
    ChannelNotConfigured,
    InvalidInput,
    NotFound,
)
from orderwell.orders.channel_settings import (
    ChannelSettingsIn,
    load_channel,
    put_channel_settings,
)
from orderwell.orders.channel_settings import channel_view as settings_view
from orderwell.store.db import Database
from orderwell.store.tables import warehouses
from orderwell.store.tables_channels import channels
from orderwell.store.tables_outbound import channel_settings

# The secrets each kind may hold; anything else is refused by name.
SECRET_NAMES: dict[ChannelKind, frozenset[str]] = {
    ChannelKind.SHOPIFY: frozenset({"webhook_secret", "access_token"}),
    ChannelKind.WOOCOMMERCE: frozenset({"webhook_secret", "consumer_key", "consumer_secret"}),
    ChannelKind.EDI: frozenset(),
    ChannelKind.CSV: frozenset(),
    ChannelKind.API: frozenset(),
}

Name = Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")]
Url = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$", max_length=300)]
Secret = Annotated[str, Field(min_length=1, max_length=500)]


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Name
    kind: ChannelKind
    base_url: Url | None = None
    secrets: dict[str, Secret] = Field(default_factory=dict, max_length=10)
    locations: dict[Annotated[str, Field(max_length=40)], str] = Field(
        default_factory=dict, max_length=200
    )
    partial_shipment: bool = True
    return_window_days: Annotated[int | None, Field(ge=0, le=3650)] = None


class ChannelPatch(BaseModel):
    """A change: only the fields given are changed; ``secrets`` are merged by name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    base_url: Url | None = None
    secrets: dict[str, Secret] | None = Field(default=None, max_length=10)
    locations: dict[Annotated[str, Field(max_length=40)], str] | None = Field(
        default=None, max_length=200
    )
    partial_shipment: bool | None = None
    active: bool | None = None
    return_window_days: Annotated[int | None, Field(ge=0, le=3650)] = None


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel as sync code needs it, secrets decrypted."""

    id: int
    name: str
    kind: ChannelKind
    active: bool
    base_url: str | None
    secrets: dict[str, str]
    locations: dict[str, str]  # channel location id -> warehouse code
    partial_shipment: bool

    def secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if not value:
            raise ChannelNotConfigured(
                f"channel {self.name} has no {name}: set it with PATCH /channels/{self.name}",
                field=f"secrets.{name}",
            )
        return value


def _check(
    conn: Connection, kind: ChannelKind, secrets: dict[str, str], locs: dict[str, str]
) -> None:
    unknown = set(secrets) - SECRET_NAMES[kind]
    if unknown:
        name = sorted(unknown)[0]
        allowed = ", ".join(sorted(SECRET_NAMES[kind])) or "none"
        raise InvalidInput(
            f"a {kind.value} channel has no secret {name} (allowed: {allowed})",
            field=f"secrets.{name}",
        )
    if locs:
        known = set(
            conn.execute(
                sa.select(warehouses.c.code).where(warehouses.c.code.in_(set(locs.values())))
            ).scalars()
        )
        for loc, code in sorted(locs.items()):
            if code not in known:
                raise InvalidInput(f"no warehouse {code}", field=f"locations.{loc}")


# Built once: every webhook reads its channel.
_BY_NAME = sa.select(channels).where(channels.c.name == sa.bindparam("name"))
_BY_NAME_LOCKED = _BY_NAME.with_for_update()


def channel_row(conn: Connection, name: str, *, lock: bool = False) -> Any:
    row = conn.execute(_BY_NAME_LOCKED if lock else _BY_NAME, {"name": name}).first()
    if row is None:
        raise NotFound(f"no channel {name}", field="name")
    return row


def as_channel(row: Any, box: SecretBox) -> Channel:
    return Channel(
        id=row.id,
        name=row.name,
        kind=ChannelKind(row.kind),
        active=row.active,
        base_url=row.base_url,
        secrets=unseal(box, row.secrets),
        locations=dict(row.locations),
        partial_shipment=row.partial_shipment,
    )


def get_channel(conn: Connection, name: str, box: SecretBox) -> Channel:
    return as_channel(channel_row(conn, name), box)


def channel_view(conn: Connection, row: Any, box: SecretBox, defaults: Settings) -> dict[str, Any]:
    """What the API and CLI show: everything but the secrets' values."""
    settings = settings_view(load_channel(conn, row.name, defaults))
    return {
        "name": row.name,
        "kind": row.kind,
        "active": row.active,
        "base_url": row.base_url,
        "secrets_set": sorted(unseal(box, row.secrets)),
        "locations": dict(row.locations),
        "partial_shipment": row.partial_shipment,
        "return_window_days": settings["return_window_days"],
        "webhook_path": f"/channels/{row.name}/webhooks",
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _set_return_window(db: Database, name: str, days: int | None) -> None:
    """Through the existing settings service: one place keeps the return window."""
    if days is None:
        return
    with db.read() as conn:
        row = conn.execute(
            sa.select(channel_settings).where(channel_settings.c.channel == name)
        ).first()
    kept: dict[str, Any] = {}
    if row is not None:  # keep every other setting exactly as stored
        kept = {
            f: getattr(row, f)
            for f in ChannelSettingsIn.model_fields
            if f not in ("return_window_days",)
        }
    put_channel_settings(db, name, ChannelSettingsIn(**kept, return_window_days=days))


def add_channel(db: Database, item: ChannelIn, box: SecretBox) -> dict[str, Any]:
    with db.read() as conn:  # all checks before the key is made or anything written
        _check(conn, item.kind, item.secrets, item.locations)
    if item.secrets:
        box.fernet()  # outside the write transaction: making the key is a write of its own

    def work(conn: Connection) -> dict[str, Any]:
        now = db.clock()
        exists = conn.execute(sa.select(channels.c.id).where(channels.c.name == item.name))
        if exists.first() is not None:
            raise ChannelExists(f"a channel {item.name} exists", field="name")
        conn.execute(
            sa.insert(channels).values(
                name=item.name,
                kind=item.kind.value,
                active=True,
                base_url=item.base_url,
                secrets=seal(box, item.secrets),
                locations=item.locations,
                partial_shipment=item.partial_shipment,
                created_at=now,
                updated_at=now,
            )
        )
        return {}

    db.write(work)
    _set_return_window(db, item.name, item.return_window_days)
    return show_channel(db, item.name, box)


def change_channel(db: Database, name: str, patch: ChannelPatch, box: SecretBox) -> dict[str, Any]:
    with db.read() as conn:
        _check(
            conn,
            ChannelKind(channel_row(conn, name).kind),
            patch.secrets or {},
            patch.locations or {},
        )
    if patch.secrets:
        box.fernet()

    def work(conn: Connection) -> None:
        row = channel_row(conn, name, lock=True)
        merged = {**unseal(box, row.secrets), **(patch.secrets or {})}
        values: dict[str, Any] = {"secrets": seal(box, merged), "updated_at": db.clock()}
        for field in ("base_url", "locations", "partial_shipment", "active"):
            if getattr(patch, field) is not None:
                values[field] = getattr(patch, field)
        conn.execute(sa.update(channels).where(channels.c.id == row.id).values(**values))

    db.write(work)
    _set_return_window(db, name, patch.return_window_days)
    return show_channel(db, name, box)


def show_channel(db: Database, name: str, box: SecretBox) -> dict[str, Any]:
    with db.read() as conn:
        return channel_view(conn, channel_row(conn, name), box, db.settings)


def list_channels(db: Database, box: SecretBox) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(channels).order_by(channels.c.name)).all()
        return [channel_view(conn, r, box, db.settings) for r in rows]
