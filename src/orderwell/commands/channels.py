"""``orderwell channel add|list|show|disable|retry|backfill``: the channel registry and its
sync from the command line (the same use cases as ``/channels``; secrets are write-only)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from orderwell.channels import config
from orderwell.channels.health import health_view
from orderwell.channels.secrets import secret_box
from orderwell.channels.sync import backfill, retry_channel
from orderwell.commands.database import open_database
from orderwell.domain.channels import ChannelKind
from orderwell.domain.errors import OrderwellError

channel_app = typer.Typer(
    help="Sales channels: Shopify, WooCommerce, EDI, CSV, API.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{v!r} is not KEY=VALUE", param_hint=option)
        pairs[key] = value
    return pairs


def _run(work: Any) -> Any:
    """Refusals print their reason and exit 1, as the API would answer 4xx."""
    try:
        return work()
    except OrderwellError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err.print(f"[red]{exc.code}[/red]{where}: {exc.message}")
        raise typer.Exit(1) from None


def _show(value: Any) -> None:
    out.print_json(json.dumps(value, default=str))


@channel_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="What its orders carry as channel, e.g. kite")],
    kind: Annotated[ChannelKind, typer.Option(help="The platform")],
    base_url: Annotated[str | None, typer.Option(help="https://kite.myshopify.com")] = None,
    secret: Annotated[
        list[str],
        typer.Option(
            help="NAME=VALUE, e.g. webhook_secret=... access_token=... (stored encrypted)"
        ),
    ] = [],  # noqa: B006
    location: Annotated[
        list[str], typer.Option(help="CHANNEL_LOCATION_ID=WAREHOUSE_CODE, once per location")
    ] = [],  # noqa: B006
    partial_shipment: Annotated[bool, typer.Option(help="May its orders ship in parts?")] = True,
    return_window_days: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Add a channel."""
    db = open_database()
    box = secret_box(db, db.settings.secret_key)
    item = _run(
        lambda: config.ChannelIn(
            name=name,
            kind=kind,
            base_url=base_url,
            secrets=_pairs(secret, "--secret"),
            locations=_pairs(location, "--location"),
            partial_shipment=partial_shipment,
            return_window_days=return_window_days,
        )
    )
    _show(_run(lambda: config.add_channel(db, item, box)))


@channel_app.command("list")
def list_channels() -> None:
    """Every channel, with where its webhooks go."""
    db = open_database()
    table = Table("name", "kind", "active", "base url", "secrets set", "webhook path")
    for c in config.list_channels(db, secret_box(db, db.settings.secret_key)):
        table.add_row(
            c["name"],
            c["kind"],
            "yes" if c["active"] else "no",
            c["base_url"] or "",
            ", ".join(c["secrets_set"]),
            c["webhook_path"],
        )
    out.print(table)


@channel_app.command("show")
def show(name: Annotated[str, typer.Argument()]) -> None:
    """A channel, its sync health (last success each way, lag, failures) and held orders."""
    db = open_database()
    box = secret_box(db, db.settings.secret_key)

    def work() -> dict[str, Any]:
        view = config.show_channel(db, name, box)
        with db.read() as conn:
            view["health"] = health_view(conn, config.get_channel(conn, name, box).id, db.clock())
        return view

    _show(_run(work))


@channel_app.command("disable")
def disable(name: Annotated[str, typer.Argument()]) -> None:
    """Stop taking its webhooks and pushing to it; pushes wait, nothing is lost."""
    db = open_database()
    box = secret_box(db, db.settings.secret_key)
    _show(_run(lambda: config.change_channel(db, name, config.ChannelPatch(active=False), box)))


@channel_app.command("enable")
def enable(name: Annotated[str, typer.Argument()]) -> None:
    """Take its webhooks and push to it again."""
    db = open_database()
    box = secret_box(db, db.settings.secret_key)
    _show(_run(lambda: config.change_channel(db, name, config.ChannelPatch(active=True), box)))


@channel_app.command("retry")
def retry(name: Annotated[str, typer.Argument()]) -> None:
    """Failed pushes due now; held orders tried again."""
    db = open_database()
    _show(_run(lambda: retry_channel(db, name, secret_box(db, db.settings.secret_key))))


@channel_app.command("backfill")
def run_backfill(
    name: Annotated[str, typer.Argument()],
    since: Annotated[str, typer.Option(help="ISO date or time, e.g. 2026-01-01")],
) -> None:
    """Import every order the shop created since SINCE (cursor pagination); idempotent."""
    db = open_database()
    box = secret_box(db, db.settings.secret_key)
    _show(_run(lambda: backfill(db, name, box, since=since)))
