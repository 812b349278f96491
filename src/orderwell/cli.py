"""The ``orderwell`` command: serve, migrate, demo data, tokens, imports, the worker; the
other sub-commands live in ``commands/``, one module per area."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.commands import bench as bench_commands
from orderwell.commands import csv as csv_commands
from orderwell.commands import edi as edi_commands
from orderwell.commands import orders as order_commands
from orderwell.commands import review as review_commands
from orderwell.commands import tokens as token_commands
from orderwell.commands import users as users_commands
from orderwell.commands import warehouse as warehouse_commands
from orderwell.commands.channels import channel_app
from orderwell.commands.database import open_database
from orderwell.commands.docs import app as docs_app
from orderwell.config import get_settings
from orderwell.store.db import Database

app = typer.Typer(help="Orderwell order management system.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(bench_commands.app, name="bench")
app.add_typer(channel_app, name="channel")
token_commands.register(token_app)
app.add_typer(order_commands.app, name="order")
app.add_typer(docs_app, name="docs")
app.add_typer(edi_commands.app, name="edi")
app.add_typer(csv_commands.export_app, name="export")
import_app.command("products")(csv_commands.import_products)
import_app.command("stock")(csv_commands.import_stock)
app.add_typer(review_commands.app, name="report")
app.add_typer(users_commands.app, name="user")
app.add_typer(warehouse_commands.wave_app, name="wave")
app.add_typer(warehouse_commands.ship_app, name="ship")

console = Console()
err = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (ORDERWELL_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ORDERWELL_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Server processes (ORDERWELL_WORKERS).")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    s = get_settings()
    uvicorn.run(
        "orderwell.app:create_app",
        factory=True,
        host=host or s.host,
        port=port or s.port,
        workers=workers or s.workers,
        log_level=s.log_level,
        # JSON logs are set up by the app in each worker process (http/logs.py).
        log_config=None if s.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from orderwell.store.migrate import upgrade

    upgrade(get_settings().database_url)
    console.print("[green]database is up to date[/green]")


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="admin, manager, warehouse, support, integration or viewer")
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the token.")] = "cli",
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    from orderwell.http.tokens import create_token

    token = create_token(open_database(), name, role)
    typer.echo(token)


@app.command()
def roles() -> None:
    """Show which role may do what."""
    from orderwell.domain.roles import PERMISSIONS, Role

    table = Table("permission", *[r.value for r in Role])
    for perm, allowed_roles in PERMISSIONS.items():
        table.add_row(perm, *["yes" if r in allowed_roles else "" for r in Role])
    console.print(table)


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when orders exist.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Load a realistic demo: 3 warehouses, 200 products, 90 days of orders through the whole cycle."""
    from orderwell.demo import has_orders, load_demo

    database = open_database()
    if if_empty and has_orders(database):
        console.print("demo data already loaded")
        return
    summary = load_demo(database, seed=seed, progress=True, public_url=get_settings().public_url)
    console.print(summary)


@import_app.command("orders")
def import_orders(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; import nothing.")
    ] = False,
    channel: Annotated[str | None, typer.Option(help="Channel of the orders.")] = None,
    file_format: Annotated[
        str, typer.Option("--format", help="orderwell (ours) or shopify-csv (Shopify's export).")
    ] = "orderwell",
) -> None:
    """Import orders from a CSV file (columns in docs/csv-import.md)."""
    from orderwell.channels.csv_orders import import_file

    default = "shopify" if file_format == "shopify-csv" else "csv"
    result = import_file(
        open_database(),
        file,
        channel=channel or default,
        dry_run=dry_run,
        actor="cli:import",
        progress=True,
        file_format=file_format,
    )
    console.print(result.render())
    if result.problems:
        raise typer.Exit(code=1)


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Work until nothing is due, then exit.")
    ] = False,
    rollups: Annotated[
        bool,
        typer.Option(help="Keep the review's rollups current (readers catch up otherwise)."),
    ] = True,
    parent: Annotated[
        int | None,
        typer.Option(
            help="Stop when the process with this id is gone (orderwell serve's).", hidden=True
        ),
    ] = None,
) -> None:
    """Deliver webhooks, publish events, send customer messages, watch for disruptions."""
    import logging
    import signal

    from orderwell.outbound.worker import Worker

    s = get_settings()
    if s.log_format == "json":  # as the API's: one stream of logs, one format
        from orderwell.http import logs

        logs.configure(s.log_level)
    else:
        logging.basicConfig(
            level=s.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    from orderwell.review.rollups import apply_events

    db = Database.from_settings(s)
    w = Worker(db, s, followers=[lambda: apply_events(db)] if rollups else [])
    try:
        if once:
            totals = w.run_until_idle()
            console.print(totals)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        if parent is not None:
            threading.Thread(target=_stop_without_parent, args=(parent, stop), daemon=True).start()
        w.run(stop)
    finally:
        w.close()


def _stop_without_parent(parent: int, stop: threading.Event) -> None:
    """A worker started by ``orderwell serve`` stops when the server is gone, even
    killed with no chance to stop it: it is then a child of another process."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def main() -> None:
    """Entry point: expected errors (bad input, conflicts) print one line, not a traceback."""
    from orderwell.domain.errors import OrderwellError

    try:
        app()
    except OrderwellError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err.print(f"[red]{exc.code}[/red]{where}: {exc.message}")
        raise SystemExit(1) from None
