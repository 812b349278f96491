"""``orderwell bench``: the benchmarks, each printing JSON lines with its figures and
baselines (docs/benchmarks.md)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="Benchmarks: print JSON lines with figures and baselines.", no_args_is_help=True
)


@app.command("place-orders")
def bench_place_orders(
    orders: Annotated[int, typer.Option(help="Orders per in-process run.")] = 5000,
    http_orders: Annotated[int, typer.Option(help="Orders for the HTTP run.")] = 6000,
) -> None:
    """Orders/s with group commit in-process and over HTTP (SQLite, PostgreSQL), hot SKU,
    replays, p99 at half the maximum rate, statements/order; raw-driver baselines."""
    from orderwell.bench.place_orders import run

    run(orders=orders, http_orders=http_orders)


@app.command("import")
def bench_import(
    orders: Annotated[int, typer.Option(help="Orders in each file.")] = 100_000,
    skus: Annotated[int, typer.Option(help="Products in the catalog.")] = 300,
) -> None:
    """Orders/s importing our CSV and Shopify's export CSV, durably on SQLite (target 2,000)."""
    from orderwell.bench.csv_import import run

    run(orders=orders, skus=skus)


@app.command("kpis")
def bench_kpis(
    orders: Annotated[int, typer.Option(help="Orders in the bulk-loaded history.")] = 1_000_000,
    days: Annotated[int, typer.Option(help="Days of the dashboard's period.")] = 30,
    requests: Annotated[int, typer.Option(help="Timed calls of each read.")] = 50,
) -> None:
    """KPI dashboard and review report over a bulk-loaded history (PostgreSQL), rollup cost."""
    from orderwell.bench.kpis import run

    run(orders=orders, days=days, requests=requests)


@app.command("outbox")
def bench_outbox(
    events: Annotated[int, typer.Option(help="Events per run.")] = 5000,
) -> None:
    """Webhook events delivered per second to a local receiver, 1 and 4 workers (PostgreSQL)."""
    from orderwell.bench.outbox import run

    run(events=events)


@app.command("waves")
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


@app.command("shopify-webhooks")
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


@app.command("ship")
def bench_ship(
    shipments: Annotated[int, typer.Option(help="Shipments per engine.")] = 300,
) -> None:
    """Shipments confirmed per second on SQLite and PostgreSQL (ORDERWELL_BENCH_DATABASE_URL)."""
    from orderwell.bench.ship import run

    run(shipments=shipments)
