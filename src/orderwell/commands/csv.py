"""``orderwell import products|stock FILE`` and ``orderwell export KIND``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.channels.csv_rows import Problem
from orderwell.commands.database import open_database

console = Console()
export_app = typer.Typer(help="Export CSV files, streamed (docs/csv-import.md).")

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check every row; import nothing.")]


def _report(problems: list[Problem], done: str) -> None:
    if not problems:
        console.print(f"[green]{done}[/green]")
        return
    table = Table("row", "column", "problem")
    for p in problems:
        table.add_row(str(p.row or ""), p.column or "", p.message)
    console.print(f"[bold red]{len(problems)} problem(s); nothing imported.[/bold red]")
    console.print(table)
    raise typer.Exit(code=1)


def import_products(file: FileArg, dry_run: DryRun = False) -> None:
    """Import products from CSV: sku,name,price,currency[,barcode,weight_g,...,active]."""
    from orderwell.channels.csv_products import import_products as run

    result = run(open_database(), file, dry_run=dry_run, progress=True)
    verb = "would be upserted (dry run)" if dry_run else "upserted"
    count = result.rows if dry_run else result.upserted
    _report(result.problems, f"{file.name}: {count} product(s) {verb}")


def import_stock(file: FileArg, dry_run: DryRun = False) -> None:
    """Import counted stock levels from CSV: sku,warehouse,bin,on_hand."""
    from orderwell.channels.csv_stock import import_stock as run

    result = run(open_database(), file, dry_run=dry_run, actor="cli:import", progress=True)
    done = (
        f"{file.name}: {result.rows} count(s) checked (dry run)"
        if dry_run
        else f"{file.name}: {result.adjusted} level(s) adjusted, {result.unchanged} already right"
    )
    _report(result.problems, done)


@export_app.command("orders")
def export_orders(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel's orders.")] = None,
) -> None:
    """Orders, one row per line, in the columns `import orders` reads."""
    from orderwell.channels.csv_export import export_orders as chunks

    _write(chunks(open_database(), channel=channel), out)


def _export(kind: str, out: Path | None) -> None:
    from orderwell.channels.csv_export import EXPORTS

    _write(EXPORTS[kind](open_database()), out)


def _write(pages: Iterator[str], out: Path | None) -> None:
    """Page by page, as the export yields them: never the whole file in memory."""
    if out is None:
        for text in pages:
            sys.stdout.write(text)
        return
    with out.open("w", encoding="utf-8", newline="") as fh:
        for text in pages:
            fh.write(text)
    console.print(f"wrote {out}", highlight=False)


@export_app.command("shipments")
def export_shipments(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Shipments with carrier, tracking number and package SSCCs."""
    _export("shipments", out)


@export_app.command("returns")
def export_returns(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Returns, one row per returned line."""
    _export("returns", out)


@export_app.command("stock")
def export_stock(
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Stock on hand, reserved and available per SKU and warehouse."""
    _export("stock", out)
