"""Settings are passed in like the database, never read from a global inside a service.

Only the process's edges read the environment: ``config`` itself, the app factory, the
``orderwell`` command and its sub-commands. Everything else takes ``db.settings``, an
explicit argument, or (in a route) the ``get_app_settings`` dependency.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "orderwell"

# The entry points: where a process starts and reads its settings once.
ALLOWED = {"config.py", "app.py", "cli.py", "commands"}

_CALL = re.compile(r"\bget_settings\s*\(")


def readers_of_the_global(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.relative_to(root).parts[0] not in ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _CALL.search(line)
    ]


def test_only_the_entry_points_read_the_settings_global() -> None:
    found = readers_of_the_global(SRC)
    assert found == [], "pass settings in (db.settings or an argument) instead:\n" + "\n".join(
        found
    )


def test_the_check_finds_a_reader(tmp_path: Path) -> None:
    """A service that reads the global is found; an entry point that does is not."""
    reader = (
        "from orderwell.config import get_settings\n\nPREFIX = get_settings().gs1_company_prefix\n"
    )
    for rel in ("orders/placing.py", "commands/orders.py", "cli.py"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(reader)
    assert readers_of_the_global(tmp_path) == ["orders/placing.py:3"]
