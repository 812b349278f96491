"""The ``orderwell`` command: serve, migrate, demo data, tokens, imports, benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.commands import csv as csv_commands
from orderwell.commands import edi as edi_commands
from orderwell.commands import orders as order_commands
from orderwell.commands import review as review_commands
from orderwell.commands import tokens as token_commands
from orderwell.commands import users as users_commands
from orderwell.commands.channels import channel_app
from orderwell.commands.docs import app as docs_app
from orderwell.config import get_settings
from orderwell.store.db import Database

app = typer.Typer(help="Orderwell order management system.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
bench_app = typer.Typer(
    help="Benchmarks: print JSON lines with figures and baselines.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(bench_app, name="bench")
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

console = Console()
err = Console(stderr=True)


def _db() -> Database:
    s = get_settings()
    return Database.from_url(s.database_url, sqlite_synchronous=s.sqlite_synchronous)


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
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when orders exist.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Load a realistic demo: 3 warehouses, 200 products, 90 days of orders through the whole cycle."""
    from orderwell.demo import has_orders, load_demo

    database = _db()
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
        _db(),
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


@bench_app.command("place-orders")
def bench_place_orders(
    orders: Annotated[int, typer.Option(help="Orders per in-process run.")] = 5000,
    http_orders: Annotated[int, typer.Option(help="Orders for the HTTP run.")] = 6000,
) -> None:
    """Orders/s with group commit in-process and over HTTP (SQLite, PostgreSQL), hot SKU,
    replays, p99 at half the maximum rate, statements/order; raw-driver baselines."""
    from orderwell.bench.place_orders import run

    run(orders=orders, http_orders=http_orders)


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Work until nothing is due, then exit.")
    ] = False,
) -> None:
    """Deliver webhooks, publish events, send customer messages, watch for disruptions."""
    import logging
    import signal
    import threading

    from orderwell.outbound.worker import Worker

    s = get_settings()
    logging.basicConfig(
        level=s.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from orderwell.review.rollups import apply_events

    db = _db()
    w = Worker(db, s, followers=[lambda: apply_events(db)])
    try:
        if once:
            totals = w.run_until_idle()
            console.print(totals)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        w.run(stop)
    finally:
        w.close()


@bench_app.command("import")
def bench_import(
    orders: Annotated[int, typer.Option(help="Orders in each file.")] = 100_000,
    skus: Annotated[int, typer.Option(help="Products in the catalog.")] = 300,
) -> None:
    """Orders/s importing our CSV and Shopify's export CSV, durably on SQLite (target 2,000)."""
    from orderwell.bench.csv_import import run

    run(orders=orders, skus=skus)


@bench_app.command("kpis")
def bench_kpis(
    orders: Annotated[int, typer.Option(help="Orders in the bulk-loaded history.")] = 1_000_000,
    days: Annotated[int, typer.Option(help="Days of the dashboard's period.")] = 30,
    requests: Annotated[int, typer.Option(help="Timed calls of each read.")] = 50,
) -> None:
    """KPI dashboard and review report over a bulk-loaded history (PostgreSQL), rollup cost."""
    from orderwell.bench.kpis import run

    run(orders=orders, days=days, requests=requests)


@bench_app.command("outbox")
def bench_outbox(
    events: Annotated[int, typer.Option(help="Events per run.")] = 5000,
) -> None:
    """Webhook events delivered per second to a local receiver, 1 and 4 workers (PostgreSQL)."""
    from orderwell.bench.outbox import run

    run(events=events)


# --- warehouse execution: waves, shipping, tracking (docs/warehouse.md) ----------------------

wave_app = typer.Typer(help="Pick waves and pick lists.", no_args_is_help=True)
ship_app = typer.Typer(
    help="Labels, shipment confirmation, manifests, tracking.", no_args_is_help=True
)
app.add_typer(wave_app, name="wave")
app.add_typer(ship_app, name="ship")


@wave_app.command("release")
def wave_release(
    warehouse: Annotated[str, typer.Argument(help="Warehouse code.")],
    pickers: Annotated[int, typer.Option(help="Pick lists per wave.")] = 4,
    max_orders: Annotated[int, typer.Option(help="Orders per wave at most.")] = 96,
    max_units: Annotated[int, typer.Option(help="Units per wave at most.")] = 600,
    totes: Annotated[int, typer.Option(help="Tote slots per picker's cart.")] = 24,
) -> None:
    """Release the warehouse's reserved orders into waves, pick lists sorted by walk order."""
    from orderwell.warehouse.waves import WaveRelease, release_waves

    rules = WaveRelease(
        warehouse=warehouse,
        pickers=pickers,
        max_orders_per_wave=max_orders,
        max_units_per_wave=max_units,
        totes_per_picker=totes,
    )
    released = release_waves(_db(), rules, actor="cli:wave")
    if not released:
        console.print("nothing to release")
    table = Table("wave", "orders", "units", "pick lists")
    for w in released:
        table.add_row(w.code, str(w.orders), str(w.units), ", ".join(map(str, w.pick_list_ids)))
    console.print(table)


@wave_app.command("pick-list")
def wave_pick_list(
    pick_list_id: Annotated[int, typer.Argument(help="Pick list id.")],
    pdf: Annotated[Path, typer.Option(help="Write the printable PDF here.")],
) -> None:
    """Write a pick list as PDF (Code 128 barcodes for bins, SKUs and totes)."""
    from orderwell.warehouse.paperwork import pick_list_pdf

    pdf.write_bytes(pick_list_pdf(_db(), pick_list_id))
    console.print(f"wrote {pdf}")


@ship_app.command("label")
def ship_label(
    shipment_id: Annotated[int, typer.Argument()],
    pdf: Annotated[Path | None, typer.Option(help="Write package 1's 4x6 label PDF here.")] = None,
    zpl: Annotated[Path | None, typer.Option(help="Write every package's ZPL here.")] = None,
) -> None:
    """Rate-shop and buy the label of a packed shipment."""
    from orderwell.warehouse.paperwork import label_pdf, label_zpl
    from orderwell.warehouse.shipping import LabelIn, buy_label

    database = _db()
    bought = buy_label(database, shipment_id, LabelIn(), actor="cli:ship")
    console.print(
        f"{bought.service_name} {bought.amount} {bought.currency} {bought.tracking_number}"
    )
    console.print(bought.reason)
    if pdf:
        pdf.write_bytes(label_pdf(database, shipment_id))
    if zpl:
        zpl.write_text(label_zpl(database, shipment_id))


@ship_app.command("confirm")
def ship_confirm(shipment_id: Annotated[int, typer.Argument()]) -> None:
    """Hand a labelled shipment to the carrier: stock consumed, units shipped."""
    from orderwell.warehouse.shipping import confirm_shipment

    console.print(f"order is now {confirm_shipment(_db(), shipment_id, actor='cli:ship')}")


@ship_app.command("manifest")
def ship_manifest(
    carrier: Annotated[str, typer.Option(help="Carrier code, e.g. table.")],
    warehouse: Annotated[str, typer.Option(help="Warehouse code.")],
    pdf: Annotated[Path | None, typer.Option(help="Write the manifest PDF here.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the manifest CSV here.")] = None,
) -> None:
    """Close the end-of-day manifest of a carrier at a warehouse."""
    from orderwell.warehouse.paperwork import manifest_csv, manifest_pdf
    from orderwell.warehouse.shipping import ManifestIn, close_manifest

    database = _db()
    manifest_id = close_manifest(
        database, ManifestIn(carrier=carrier, warehouse=warehouse), actor="cli:ship"
    )
    if pdf:
        pdf.write_bytes(manifest_pdf(database, manifest_id))
    if csv:
        csv.write_text(manifest_csv(database, manifest_id))
    console.print(f"manifest {manifest_id} closed")


@ship_app.command("track")
def ship_track(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    carrier: Annotated[
        str, typer.Option(help="Carrier of rows without a carrier column.")
    ] = "table",
) -> None:
    """Ingest tracking events from a CSV or JSON file (columns in docs/warehouse.md)."""
    from orderwell.warehouse.carrier_scans import ingest_events
    from orderwell.warehouse.carriers.scan_formats import parse_tracking_csv, parse_tracking_json

    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() == ".json":
        events = parse_tracking_json(text, carrier=carrier)
    else:
        events = parse_tracking_csv(text, carrier=carrier)
    result = ingest_events(
        _db(),
        events,
        source="bulk",
        actor="cli:track",
        field_of=lambda i: f"{file.name}: event {i + 1}",
    )
    console.print(
        f"{result.stored} stored, {result.duplicates} repeats, "
        f"{len(result.delivered_shipments)} shipment(s) delivered"
    )


@bench_app.command("waves")
def bench_waves(
    orders: Annotated[int, typer.Option(help="Orders for the pure planning figure.")] = 10_000,
    bins: Annotated[int, typer.Option(help="Bins in the warehouse.")] = 500,
    db_orders: Annotated[
        int, typer.Option(help="Orders for the SQLite release figure (0: skip).")
    ] = 2000,
) -> None:
    """Plan waves and pick paths for 10,000 reserved orders across 500 bins (target <= 1 s)."""
    from orderwell.bench.waves import run

    run(orders=orders, bins=bins, db_orders=db_orders)


@bench_app.command("shopify-webhooks")
def bench_shopify_webhooks(
    orders: Annotated[
        int, typer.Option(help="Webhooks to send (and API orders for the baseline)")
    ] = 100_000,
    connections: Annotated[int, typer.Option(help="Concurrent HTTP connections")] = 16,
    time_limit: Annotated[float, typer.Option(help="Seconds per phase at most")] = 900.0,
) -> None:
    """Shopify orders/create webhooks over HTTP into SQLite, durably (docs/benchmarks.md)."""
    from orderwell.bench.shopify_webhooks import WebhookBenchConfig, run

    run(WebhookBenchConfig(orders=orders, connections=connections, time_limit=time_limit))


@bench_app.command("ship")
def bench_ship(
    shipments: Annotated[int, typer.Option(help="Shipments per engine.")] = 300,
) -> None:
    """Shipments confirmed per second on SQLite and PostgreSQL (ORDERWELL_BENCH_DATABASE_URL)."""
    from orderwell.bench.ship import run

    run(shipments=shipments)


def main() -> None:
    """Entry point: expected errors (bad input, conflicts) print one line, not a traceback."""
    from orderwell.domain.errors import OrderwellError

    try:
        app()
    except OrderwellError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err.print(f"[red]{exc.code}[/red]{where}: {exc.message}")
        raise SystemExit(1) from None
