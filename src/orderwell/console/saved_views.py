"""Saved views: a person's named order searches (the query string of the orders list)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.store.db import Database
from orderwell.store.tables_console import console_saved_views


def save_view(db: Database, user_id: int, name: str, query: str) -> int:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("a view's name is 1 to 100 characters", field="name")
    if len(query) > 1000:
        raise InvalidInput("the search is too long to save", field="query")

    def work(conn: Any) -> int:
        return int(
            conn.execute(
                sa.insert(console_saved_views)
                .values(user_id=user_id, name=name, query=query, created_at=db.clock())
                .returning(console_saved_views.c.id)
            ).scalar_one()
        )

    try:
        return db.write(work)
    except IntegrityError:
        raise Conflict(f"you already have a view named {name}", field="name") from None


def list_views(db: Database, user_id: int) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(
                console_saved_views.c.id, console_saved_views.c.name, console_saved_views.c.query
            )
            .where(console_saved_views.c.user_id == user_id)
            .order_by(console_saved_views.c.name)
        )
        return [dict(r._mapping) for r in rows]


def delete_view(db: Database, user_id: int, view_id: int) -> None:
    # user_id in the WHERE: nobody deletes another person's view by guessing its id.
    db.write(
        lambda conn: conn.execute(
            sa.delete(console_saved_views).where(
                console_saved_views.c.id == view_id, console_saved_views.c.user_id == user_id
            )
        )
    )
