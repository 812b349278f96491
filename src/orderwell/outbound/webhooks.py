"""Webhook subscriptions, their deliveries and attempts, and manual redelivery.

A subscription names a URL, the event types it wants (or ``["*"]``) and a Standard
Webhooks secret. Deleting one deactivates it: its deliveries and attempts stay readable,
and nothing more is sent to it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, NotFound
from orderwell.domain.events import ALL_EVENTS, check_event_filter
from orderwell.domain.statuses import DeliveryStatus
from orderwell.outbound.delivery import check_webhook_url
from orderwell.outbound.signing import new_secret, secret_key
from orderwell.store.db import Database
from orderwell.store.tables import outbox
from orderwell.store.tables_outbound import (
    DELIVERY_STATUSES,
    delivery_attempts,
    outbox_deliveries,
    webhook_subscriptions,
)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048)
    event_types: list[str] = Field(default_factory=lambda: [ALL_EVENTS], min_length=1)
    secret: str | None = Field(default=None, description="whsec_...; made for you if absent")
    description: str = Field(default="", max_length=200)


def matches(event_types: list[str], event_type: str) -> bool:
    """Whether a subscription's list takes ``event_type`` ("*" and "order.*" included)."""
    for wanted in event_types:
        if wanted in (ALL_EVENTS, event_type):
            return True
        if wanted.endswith(".*") and event_type.startswith(wanted[:-1]):
            return True
    return False


def _check(item: SubscriptionIn) -> None:
    check_webhook_url(item.url)
    for i, et in enumerate(item.event_types):
        if not check_event_filter(et):
            raise InvalidInput(
                f"'{et}' is not an event type (like order.placed, order.* or *; "
                "see docs/events.md)",
                field=f"event_types.{i}",
            )
    if item.secret is not None:
        secret_key(item.secret)


def _public(row: Any, *, with_secret: bool = False) -> dict[str, Any]:
    out = {
        "id": row.id,
        "url": row.url,
        "event_types": list(row.event_types),
        "description": row.description,
        "active": row.active,
        "created_at": row.created_at,
    }
    if with_secret:
        out["secret"] = row.secret
    return out


def create_subscription(db: Database, item: SubscriptionIn) -> dict[str, Any]:
    """Create a subscription; the answer holds the secret, which is never shown again."""
    _check(item)
    values = {
        "url": item.url,
        "event_types": sorted(set(item.event_types)),
        "secret": item.secret or new_secret(),
        "description": item.description,
        "active": True,
        "created_at": db.clock(),
    }

    def work(conn: Connection) -> dict[str, Any]:
        row = conn.execute(
            sa.insert(webhook_subscriptions).values(values).returning(*webhook_subscriptions.c)
        ).one()
        return _public(row, with_secret=True)

    return db.write(work)


def list_subscriptions(conn: Connection, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    q = sa.select(webhook_subscriptions).order_by(webhook_subscriptions.c.id)
    if not include_inactive:
        q = q.where(webhook_subscriptions.c.active)
    return [_public(r) for r in conn.execute(q).all()]


def get_subscription(conn: Connection, subscription_id: int) -> dict[str, Any]:
    row = conn.execute(
        sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
    ).first()
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return _public(row)


def delete_subscription(db: Database, subscription_id: int) -> None:
    def work(conn: Connection) -> None:
        done = conn.execute(
            sa.update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == subscription_id, webhook_subscriptions.c.active)
            .values(active=False)
        )
        if done.rowcount == 0:
            raise NotFound(f"no active webhook subscription {subscription_id}")

    db.write(work)


def redeliver(db: Database, subscription_id: int, event_id: str) -> dict[str, Any]:
    """Send an event to a subscription again, now, with a fresh round of retries.

    Works for delivered, failed and dead deliveries alike, and for events older than the
    subscription (a new receiver catching up). The event id stays the same, so a
    receiver that saw it already can tell.
    """

    def work(conn: Connection) -> dict[str, Any]:
        now = db.clock()
        sub = conn.execute(
            sa.select(webhook_subscriptions.c.active).where(
                webhook_subscriptions.c.id == subscription_id
            )
        ).first()
        if sub is None or not sub.active:
            raise NotFound(f"no active webhook subscription {subscription_id}")
        if conn.execute(sa.select(outbox.c.id).where(outbox.c.id == event_id)).first() is None:
            raise NotFound(f"no event {event_id}", field="event_id")
        values = {
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
        }
        updated = conn.execute(
            sa.update(outbox_deliveries)
            .where(
                outbox_deliveries.c.event_id == event_id,
                outbox_deliveries.c.subscription_id == subscription_id,
            )
            .values(**values)
            .returning(outbox_deliveries.c.id)
        ).first()
        if updated is None:
            conn.execute(
                sa.insert(outbox_deliveries).values(
                    event_id=event_id, subscription_id=subscription_id, created_at=now, **values
                )
            )
        row = conn.execute(
            _DELIVERIES.where(
                outbox_deliveries.c.event_id == event_id,
                outbox_deliveries.c.subscription_id == subscription_id,
            )
        ).one()
        return _delivery(row)

    return db.write(work)


_DELIVERIES = sa.select(
    outbox_deliveries,
    outbox.c.event_type,
    outbox.c.order_id,
).join(outbox, outbox.c.id == outbox_deliveries.c.event_id)


def _delivery(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "order_id": row.order_id,
        "subscription_id": row.subscription_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at if row.status == DeliveryStatus.PENDING else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "delivered_at": row.delivered_at,
        "created_at": row.created_at,
    }


def list_deliveries(
    conn: Connection,
    *,
    subscription_id: int | None = None,
    status: str | None = None,
    event_id: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages on."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidInput(f"status is one of {', '.join(DELIVERY_STATUSES)}", field="status")
    q = _DELIVERIES
    if subscription_id is not None:
        q = q.where(outbox_deliveries.c.subscription_id == subscription_id)
    if status is not None:
        q = q.where(outbox_deliveries.c.status == status)
    if event_id is not None:
        q = q.where(outbox_deliveries.c.event_id == event_id)
    if before_id is not None:
        q = q.where(outbox_deliveries.c.id < before_id)
    rows = conn.execute(q.order_by(outbox_deliveries.c.id.desc()).limit(limit)).all()
    return [_delivery(r) for r in rows]


def list_attempts(conn: Connection, delivery_id: int) -> list[dict[str, Any]]:
    found = conn.execute(
        sa.select(outbox_deliveries.c.id).where(outbox_deliveries.c.id == delivery_id)
    ).first()
    if found is None:
        raise NotFound(f"no delivery {delivery_id}")
    rows = conn.execute(
        sa.select(delivery_attempts)
        .where(delivery_attempts.c.delivery_id == delivery_id)
        .order_by(delivery_attempts.c.id)
    ).all()
    return [
        {
            "attempt_no": r.attempt_no,
            "started_at": r.started_at,
            "duration_ms": r.duration_ms,
            "status_code": r.status_code,
            "ok": r.ok,
            "error": r.error,
            "response_excerpt": r.response_excerpt,
            "worker": r.worker,
        }
        for r in rows
    ]
