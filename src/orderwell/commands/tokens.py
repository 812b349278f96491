"""``orderwell token list | revoke | ensure``: the CLI side of token management.

``ensure`` is what ``make run`` calls: it keeps the token in a file (git-ignored) and
prints the same one on every start while it is still valid, instead of minting a new
admin token each time and leaving the old ones alive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderwell.commands.database import open_database

console = Console()


def token_list(
    all_: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
) -> None:
    """List tokens: id, name, role, created, last used (never the secret)."""
    from orderwell.http.tokens import list_tokens

    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    for row in list_tokens(open_database(), include_revoked=all_):
        table.add_row(
            str(row["id"]),
            row["name"],
            row["role"],
            row["prefix"] + "...",
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never",
            f"{row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "",
        )
    console.print(table)


def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (token list).")],
) -> None:
    """Revoke a token: it stops working at once here, within the token cache time elsewhere."""
    from orderwell.http.tokens import revoke_token

    revoked_at = revoke_token(open_database(), token_id)
    typer.echo(f"token {token_id} revoked at {revoked_at:%Y-%m-%d %H:%M:%S} UTC")


def token_ensure(
    file: Annotated[Path, typer.Option(help="Where the token is kept (keep it out of git).")],
    role: Annotated[str, typer.Option(help="Role of a newly made token.")] = "admin",
    name: Annotated[str, typer.Option(help="Name of a newly made token.")] = "make-run",
) -> None:
    """Print the token kept in FILE if it still works; else make one, keep it there, print it."""
    from orderwell.http.tokens import create_token, token_is_live

    db = open_database()
    kept = file.read_text().strip() if file.exists() else ""
    if kept and token_is_live(db, kept):
        typer.echo(kept)
        return
    token = create_token(db, name, role)
    file.write_text(token + "\n")
    file.chmod(0o600)  # a bearer secret: readable by its owner only
    typer.echo(token)


def register(group: typer.Typer) -> None:
    group.command("list")(token_list)
    group.command("revoke")(token_revoke)
    group.command("ensure")(token_ensure)
