"""``orderwell report ...``: the review report as a PDF (or JSON), and the rollups."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orderwell.commands.database import open_database
from orderwell.domain.errors import InvalidInput

app = typer.Typer(help="Reports: the review of a period.", no_args_is_help=True)
err = Console(stderr=True)


def _day(value: datetime) -> date:
    return value.date()


@app.command("review")
def review(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.")],
    out: Annotated[Path | None, typer.Option(help="Write here (.pdf or .json).")] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    warehouse: Annotated[str | None, typer.Option()] = None,
    carrier: Annotated[str | None, typer.Option()] = None,
    sku: Annotated[str | None, typer.Option()] = None,
) -> None:
    """What could have been better from --from to --to (both included): PDF with charts."""
    from orderwell.review import Filters, review_report
    from orderwell.review.kpis import make_period
    from orderwell.review.report_pdf import review_pdf

    try:
        period = make_period(_day(start), _day(end))
    except InvalidInput as exc:
        err.print(f"[red]--to: {exc.message}[/red]")
        raise typer.Exit(code=2) from None
    filters = Filters(channel=channel, warehouse=warehouse, carrier=carrier, sku=sku)
    db = open_database()
    try:
        report = review_report(db, period, filters)
    finally:
        db.dispose()
    target = out or Path(f"review-{period.start}-{period.end}.pdf")
    if target.suffix.lower() == ".json":
        target.write_text(report.model_dump_json(indent=2))
    else:
        target.write_bytes(review_pdf(report))
    err.print(
        f"{target}: {report.summary.frequency.orders} orders, {len(report.issues)} issue(s) ranked"
    )


@app.command("refresh")
def refresh(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every rollup from the record.")
    ] = False,
) -> None:
    """Bring the review's rollups up to date with the outbox (the worker does it too)."""
    from orderwell.review.rollups import catch_up
    from orderwell.review.rollups import rebuild as rebuild_all

    db = open_database()
    try:
        if rebuild:
            err.print(f"{rebuild_all(db)} order(s) recomputed")
        else:
            err.print(f"{catch_up(db)} event(s) applied")
    finally:
        db.dispose()
