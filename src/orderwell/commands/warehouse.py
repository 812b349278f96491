"""``orderwell wave`` and ``orderwell ship``: warehouse execution from the shell -- pick
waves and pick lists, labels, shipment confirmation, manifests, tracking (docs/warehouse.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.commands.database import open_database

console = Console()
wave_app = typer.Typer(help="Pick waves and pick lists.", no_args_is_help=True)
ship_app = typer.Typer(
    help="Labels, shipment confirmation, manifests, tracking.", no_args_is_help=True
)


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
    released = release_waves(open_database(), rules, actor="cli:wave")
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

    pdf.write_bytes(pick_list_pdf(open_database(), pick_list_id))
    console.print(f"wrote {pdf}")


@ship_app.command("label")
def ship_label(
    shipment_id: Annotated[int, typer.Argument()],
    pdf: Annotated[Path | None, typer.Option(help="Write package 1's 4x6 label PDF here.")] = None,
    zpl: Annotated[Path | None, typer.Option(help="Write every package's ZPL here.")] = None,
) -> None:
    """Rate-shop and buy the label of a packed shipment."""
    from orderwell.warehouse.labels import LabelIn, buy_label
    from orderwell.warehouse.paperwork import label_pdf, label_zpl

    database = open_database()
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

    console.print(
        f"order is now {confirm_shipment(open_database(), shipment_id, actor='cli:ship')}"
    )


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

    database = open_database()
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
        open_database(),
        events,
        source="bulk",
        actor="cli:track",
        field_of=lambda i: f"{file.name}: event {i + 1}",
    )
    console.print(
        f"{result.stored} stored, {result.duplicates} repeats, "
        f"{len(result.delivered_shipments)} shipment(s) delivered"
    )
