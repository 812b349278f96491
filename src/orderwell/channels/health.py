"""Sync health per channel: the last success each way, the lag, failures and their error.

Inbound lag is how long after the shop's own change we took it; outbound lag is the age
of the oldest push still waiting. Failures are the pushes the channel refused or that
are waiting after an error; ``retry`` (API and CLI) makes them due now and tries held
orders again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.channels import ChannelOrderState, PushStatus, SyncDirection
from orderwell.inventory.stock import dialect_insert, per_dialect
from orderwell.store.tables_channels import channel_health, channel_orders, channel_pushes


def mark_ok(
    conn: Connection,
    channel_id: int,
    direction: SyncDirection,
    now: datetime,
    remote_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"last_ok_at": now, "failures": 0}
    if remote_at is not None:
        values["last_remote_at"] = remote_at
    stmt = (_mark_ok_remote if remote_at is not None else _mark_ok)(conn)
    conn.execute(stmt, {"channel_id": channel_id, "direction": direction.value, **values})


def _build_mark_ok(conn: Connection, columns: tuple[str, ...]) -> Any:
    ins = dialect_insert(conn, channel_health)
    return ins.on_conflict_do_update(
        index_elements=["channel_id", "direction"], set_={c: ins.excluded[c] for c in columns}
    )


# Built once per engine kind (every order a webhook places marks its channel healthy).
_mark_ok = per_dialect(lambda conn: _build_mark_ok(conn, ("last_ok_at", "failures")))
_mark_ok_remote = per_dialect(
    lambda conn: _build_mark_ok(conn, ("last_ok_at", "failures", "last_remote_at"))
)


def mark_failure(
    conn: Connection, channel_id: int, direction: SyncDirection, now: datetime, error: str
) -> None:
    values = {"last_failure_at": now, "last_error": error[:500]}
    conn.execute(
        dialect_insert(conn, channel_health)
        .values(channel_id=channel_id, direction=direction.value, failures=1, **values)
        .on_conflict_do_update(
            index_elements=["channel_id", "direction"],
            set_={**values, "failures": channel_health.c.failures + 1},
        )
    )


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round(max((later - earlier).total_seconds(), 0.0), 3)


def health_view(conn: Connection, channel_id: int, now: datetime) -> dict[str, Any]:
    rows = {
        r.direction: r
        for r in conn.execute(
            sa.select(channel_health).where(channel_health.c.channel_id == channel_id)
        )
    }
    pending = conn.execute(
        sa.select(sa.func.count(), sa.func.min(channel_pushes.c.created_at)).where(
            channel_pushes.c.channel_id == channel_id,
            channel_pushes.c.status == PushStatus.PENDING.value,
        )
    ).one()
    failed = conn.execute(
        sa.select(
            channel_pushes.c.id,
            channel_pushes.c.order_id,
            channel_pushes.c.kind,
            channel_pushes.c.status,
            channel_pushes.c.attempts,
            channel_pushes.c.last_error,
        )
        .where(
            channel_pushes.c.channel_id == channel_id,
            sa.or_(
                channel_pushes.c.status == PushStatus.FAILED.value,
                sa.and_(
                    channel_pushes.c.status == PushStatus.PENDING.value,
                    channel_pushes.c.last_error.is_not(None),
                ),
            ),
        )
        .order_by(channel_pushes.c.id)
        .limit(50)
    ).all()
    held = conn.execute(
        sa.select(
            channel_orders.c.remote_id, channel_orders.c.remote_name, channel_orders.c.hold_reason
        )
        .where(
            channel_orders.c.channel_id == channel_id,
            channel_orders.c.state == ChannelOrderState.HELD.value,
        )
        .order_by(channel_orders.c.id)
        .limit(50)
    ).all()

    def side(direction: SyncDirection) -> dict[str, Any]:
        r = rows.get(direction.value)
        return {
            "last_ok_at": r.last_ok_at.isoformat() if r and r.last_ok_at else None,
            "last_failure_at": r.last_failure_at.isoformat() if r and r.last_failure_at else None,
            "last_error": r.last_error if r else None,
            "failures_in_a_row": r.failures if r else 0,
        }

    inbound = side(SyncDirection.INBOUND)
    r_in = rows.get(SyncDirection.INBOUND.value)
    inbound["lag_s"] = _seconds(r_in.last_ok_at, r_in.last_remote_at) if r_in else None
    outbound = side(SyncDirection.OUTBOUND)
    outbound["pending"] = int(pending[0])
    outbound["lag_s"] = _seconds(now, pending[1]) if pending[0] else 0.0
    return {
        "inbound": inbound,
        "outbound": outbound,
        "failures": [
            {
                "push_id": f.id,
                "order_id": f.order_id,
                "kind": f.kind,
                "status": f.status,
                "attempts": f.attempts,
                "error": f.last_error,
            }
            for f in failed
        ],
        "held_orders": [
            {"remote_id": h.remote_id, "remote_name": h.remote_name, "reason": h.hold_reason}
            for h in held
        ],
    }
