"""``orderwell edi ...``: trading partners, the drop folder, and sending 855/856/810."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from orderwell.commands.database import open_database

app = typer.Typer(help="EDI X12 with retail trading partners (docs/edi.md).", no_args_is_help=True)
partner_app = typer.Typer(help="Trading partners.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
console = Console()


@partner_app.command("add")
def partner_add(
    code: Annotated[str, typer.Option(help="Our name for the partner: orders go to edi-CODE.")],
    name: Annotated[str, typer.Option(help="The partner's name (the orders' customer).")],
    email: Annotated[str, typer.Option(help="Contact e-mail, used as the orders' customer.")],
    isa_qualifier: Annotated[str, typer.Option(help="Their ISA05 qualifier, e.g. 12, ZZ.")],
    isa_id: Annotated[str, typer.Option(help="Their ISA06 id.")],
    gs_id: Annotated[str, typer.Option(help="Their GS02 application id.")],
    our_isa_id: Annotated[str, typer.Option(help="Our ISA id towards them.")],
    our_gs_id: Annotated[str, typer.Option(help="Our GS id towards them.")],
    our_isa_qualifier: Annotated[str, typer.Option(help="Our ISA qualifier.")] = "ZZ",
    currency: Annotated[str, typer.Option(help="Currency of their POs without CUR.")] = "USD",
    usage: Annotated[str, typer.Option(help="ISA15 we send: P production, T test.")] = "P",
) -> None:
    """Add a trading partner; its control numbers start at 1."""
    from orderwell.channels.edi.partners import PartnerIn, add_partner

    try:
        partner = PartnerIn(
            code=code,
            name=name,
            email=email,
            isa_qualifier=isa_qualifier,
            isa_id=isa_id,
            gs_id=gs_id,
            our_isa_qualifier=our_isa_qualifier,
            our_isa_id=our_isa_id,
            our_gs_id=our_gs_id,
            currency=currency,
            usage=usage,
        )
    except ValidationError as exc:
        for e in exc.errors():
            console.print(f"[red]--{str(e['loc'][0]).replace('_', '-')}[/red]: {e['msg']}")
        raise typer.Exit(code=1) from None
    add_partner(open_database(), partner)
    console.print(f"partner {code} added; its orders arrive on channel edi-{code}")


@partner_app.command("list")
def partner_list() -> None:
    """Trading partners with their ids and next control numbers."""
    from orderwell.channels.edi.partners import list_partners

    with open_database().read() as conn:
        rows = list_partners(conn)
    table = Table("code", "name", "their ISA", "our ISA", "next ISA13", "active")
    for p in rows:
        table.add_row(
            p["code"],
            p["name"],
            f"{p['isa_qualifier']}/{p['isa_id']}",
            f"{p['our_isa_qualifier']}/{p['our_isa_id']}",
            str(p["next_interchange"]),
            "yes" if p["active"] else "no",
        )
    console.print(table)


@app.command("watch")
def watch(
    folder: Annotated[Path, typer.Argument(file_okay=False, help="Has in/ out/ done/ rejected/.")],
    once: Annotated[bool, typer.Option("--once", help="Handle what is there, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks at in/.")] = 5.0,
) -> None:
    """Read partners' files from FOLDER/in, answer with 997s in FOLDER/out."""
    import signal

    from orderwell.channels.edi.drop_folder import Handled, prepare, process_folder
    from orderwell.channels.edi.drop_folder import watch as watch_folder

    database = open_database()
    prepare(folder)

    def report(item: Handled) -> None:
        r = item.received
        verdict = "[green]taken[/green]" if r.accepted else "[red]refused[/red]"
        console.print(f"{item.name}: {verdict}, {len(r.orders)} order(s)")
        for error in r.errors:
            console.print(f"  {error}")

    if once:
        for item in process_folder(database, folder, actor="cli:edi", settle_seconds=0):
            report(item)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print(f"watching {folder / 'in'} every {interval:g} s")
    watch_folder(
        database, folder, actor="cli:edi", interval=interval, on_file=report, stop=stop.is_set
    )


@app.command("send")
def send(
    document: Annotated[str, typer.Argument(help="855 or 810 (an order), 856 (a shipment).")],
    ref: Annotated[str, typer.Argument(help="Order (OW-000042 or 42) or shipment id.")],
    out: Annotated[
        Path | None, typer.Option(file_okay=False, help="Drop folder: write to OUT/out/.")
    ] = None,
) -> None:
    """Send an 855 acknowledgment, 856 ship notice or 810 invoice to the order's partner."""
    from orderwell.channels.edi.drop_folder import prepare, write_out
    from orderwell.channels.edi.sending import send_810, send_855, send_856

    database = open_database()
    if document == "856":
        sent = send_856(database, int(ref), actor="cli:edi")
    elif document in ("855", "810"):
        sender = send_855 if document == "855" else send_810
        sent = sender(database, database.numbers.parse(ref), actor="cli:edi")
    else:
        console.print(f"[red]{document}[/red]: send 855, 856 or 810")
        raise typer.Exit(code=1)
    if out is None:
        typer.echo(sent.text, nl=False)
        return
    prepare(out)
    name = f"{sent.set_id}-{sent.partner}-{sent.interchange_control:09d}.edi"
    console.print(f"wrote {write_out(out, name, sent.text)}")
