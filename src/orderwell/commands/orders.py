"""``orderwell order link OW-000042``: the customer's tracking page of an order, to send
by hand (a support reply, a chat) -- the same link the order's e-mails carry."""

from __future__ import annotations

from typing import Annotated

import typer

from orderwell.commands.database import open_database

app = typer.Typer(help="Orders.", no_args_is_help=True)


@app.command("link")
def link(ref: Annotated[str, typer.Argument(help="Order number (OW-000042) or id.")]) -> None:
    """Print the order's public tracking page URL."""
    import sqlalchemy as sa

    from orderwell.domain.errors import NotFound
    from orderwell.outbound.tracking_links import tracking_url
    from orderwell.store.tables import orders

    db = open_database()
    order_id = db.numbers.parse(ref)
    with db.read() as conn:
        if conn.execute(sa.select(orders.c.id).where(orders.c.id == order_id)).first() is None:
            raise NotFound(f"no order {db.numbers.number(order_id)}")
    typer.echo(tracking_url(db, order_id))
