"""``orderwell docs``: pages generated from the code, so the docs cannot drift from it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orderwell.domain.events import catalogue_markdown

app = typer.Typer(help="Documentation generated from the code.", no_args_is_help=True)


@app.command("events")
def events(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Fail if --output differs from the code.")
    ] = False,
) -> None:
    """The event catalogue (docs/events.md) from domain/events.py."""
    text = catalogue_markdown()
    if output is None:
        typer.echo(text, nl=False)
        return
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            typer.echo(f"{output} is out of date: run orderwell docs events -o {output}", err=True)
            raise typer.Exit(code=1)
        return
    output.write_text(text, encoding="utf-8")
