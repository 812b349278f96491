"""``orderwell user``: console users (create, list, disable) and the first admin."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from orderwell.commands.database import open_database

app = typer.Typer(help="Console users (people who log in to /console).", no_args_is_help=True)


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[
        str, typer.Option(help="admin, manager, warehouse, support, integration or viewer")
    ],
    generate: Annotated[
        bool, typer.Option("--generate", help="Make a random password and print it once.")
    ] = False,
) -> None:
    """Create a console user; the password is asked for (hidden) unless --generate."""
    from orderwell.console.users import create_user

    if generate:
        password = secrets.token_urlsafe(12)
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    made = create_user(open_database(), username, password, role)
    typer.echo(f"created {made.username} ({made.role.value})")
    if generate:
        typer.echo(f"password: {password}")


@app.command("list")
def list_() -> None:
    """Every console user with role and status."""
    from orderwell.console.users import list_users

    for u in list_users(open_database()):
        status = f"disabled {u['disabled_at']:%Y-%m-%d}" if u["disabled_at"] else "active"
        typer.echo(f"{u['username']}\t{u['role']}\t{status}")


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: their sessions end at once; the user stays on record."""
    from orderwell.console.users import disable_user

    disable_user(open_database(), username)
    typer.echo(f"disabled {username}")


@app.command("ensure-admin")
def ensure_admin(
    file: Annotated[
        Path, typer.Option(help="Where to keep the generated password (keep it out of git).")
    ] = Path(".orderwell-admin"),
) -> None:
    """Make a first admin ``admin`` with a generated password when there is no admin yet,
    and say how to log in. ``make run`` calls this."""
    from orderwell.console.users import create_user, has_admin

    db = open_database()
    url = db.settings.public_url.rstrip("/") + "/console"
    if has_admin(db):
        hint = f" (password in {file})" if file.exists() else ""
        typer.echo(f"Console: {url} -- log in with your admin user{hint}")
        return
    password = secrets.token_urlsafe(12)
    create_user(db, "admin", password, "admin")
    # Owner-only: the file holds a live admin password.
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"username: admin\npassword: {password}\n")
    typer.echo(f"Console: {url} -- log in as admin with password {password}")
    typer.echo(f"(kept in {file}; change it by creating another admin and disabling this one)")
