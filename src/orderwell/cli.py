"""The ``orderwell`` command: serve, migrate, demo data, tokens, imports, benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.config import get_settings
from orderwell.store.db import Database

app = typer.Typer(help="Orderwell order management system.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: print JSON lines with figures and baselines.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(bench_app, name="bench")

console = Console()
err = Console(stderr=True)


def _db() -> Database:
    s = get_settings()
    return Database.from_url(s.database_url, sqlite_synchronous=s.sqlite_synchronous)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (ORDERWELL_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ORDERWELL_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (ORDERWELL_WORKERS).")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    s = get_settings()
    uvicorn.run(
        "orderwell.api.app:create_app",
        factory=True,
        host=host or s.host,
        port=port or s.port,
        workers=workers or s.workers,
        log_level=s.log_level,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from orderwell.store.migrate import upgrade

    upgrade(get_settings().database_url)
    console.print("[green]database is up to date[/green]")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, manager, warehouse, support, integration or viewer")],
    name: Annotated[str, typer.Option(help="Who or what uses the token.")] = "cli",
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    from orderwell.services.tokens import create_token

    token = create_token(_db(), name, role)
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
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when orders exist.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Load a realistic demo: 3 warehouses with bins, 200 products, stock, 90 days of orders."""
    from orderwell.demo import has_orders, load_demo

    database = _db()
    if if_empty and has_orders(database):
        console.print("demo data already loaded")
        return
    summary = load_demo(database, seed=seed, progress=True)
    console.print(summary)


@import_app.command("orders")
def import_orders(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; import nothing.")] = False,
    channel: Annotated[str, typer.Option(help="Channel name for the imported orders.")] = "csv",
) -> None:
    """Import orders from a CSV file (columns in docs/csv-import.md)."""
    from orderwell.channels.csv_orders import import_file

    result = import_file(_db(), file, channel=channel, dry_run=dry_run, actor="cli:import", progress=True)
    console.print(result.render())
    if result.problems:
        raise typer.Exit(code=1)


@bench_app.command("place-orders")
def bench_place_orders(
    orders: Annotated[int, typer.Option(help="Orders per in-process run.")] = 5000,
    http_orders: Annotated[int, typer.Option(help="Orders for the HTTP run.")] = 3000,
) -> None:
    """Orders/s in-process (SQLite, PostgreSQL 1 and 4 processes), over HTTP, statements/order."""
    from orderwell.bench.place_orders import run

    run(orders=orders, http_orders=http_orders)


def main() -> None:  # pragma: no cover
    app()
