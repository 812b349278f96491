"""Sub-commands of ``orderwell``, one module per area, each a ``typer.Typer`` app."""
