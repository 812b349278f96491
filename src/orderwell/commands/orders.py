"""``orderwell order link OW-000042``: the customer's tracking page of an order, to send
by hand (a support reply, a chat) -- the same link the order's e-mails carry."""

from __future__ import annotations

from typing import Annotated

import typer

from orderwell.config import get_settings
from orderwell.store.db import Database

app = typer.Typer(help="Orders.", no_args_is_help=True)


@app.command("link")
def link(ref: Annotated[str, typer.Argument(help="Order number (OW-000042) or id.")]) -> None:
    """Print the order's public tracking page URL."""
    import sqlalchemy as sa

    from orderwell.domain.errors import NotFound
    from orderwell.domain.order_numbers import order_number, parse_order_ref
    from orderwell.outbound.tracking_links import tracking_url
    from orderwell.store.tables import orders

    s = get_settings()
    db = Database.from_url(s.database_url, sqlite_synchronous=s.sqlite_synchronous)
    order_id = parse_order_ref(ref)
    with db.read() as conn:
        if conn.execute(sa.select(orders.c.id).where(orders.c.id == order_id)).first() is None:
            raise NotFound(f"no order {order_number(order_id)}")
    typer.echo(tracking_url(db, order_id))
