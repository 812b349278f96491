"""docs/api.md is written by hand; these tests keep its tables equal to the code."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from orderwell.app import PUBLIC_PATHS
from orderwell.domain.roles import PERMISSIONS, Role
from orderwell.http.deps import permission_of
from tests.e2e.support import served_routes

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _table(first_header: str) -> list[list[str]]:
    """The rows of the markdown table whose first column is headed ``first_header``."""
    lines = API_DOC.read_text().splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_header:
            rows = []
            for row in lines[i + 2 :]:  # skip the header and its |---| rule
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return [cells, *rows]
    raise AssertionError(f"docs/api.md has no table headed '{first_header}'")


def test_role_table_matches_permissions() -> None:
    header, *rows = _table("permission")
    assert header[1:] == [r.value for r in Role], "role columns must be Role, in order"
    documented = {
        row[0]: frozenset(role for role, cell in zip(Role, row[1:], strict=True) if cell == "yes")
        for row in rows
    }
    assert all(cell in {"yes", ""} for row in rows for cell in row[1:])
    wrong = [p for p in PERMISSIONS if documented.get(p) != PERMISSIONS[p]]
    extra = [p for p in documented if p not in PERMISSIONS]
    want = "\n".join(
        "| " + " | ".join([p, *("yes" if r in PERMISSIONS[p] else "" for r in Role)]) + " |"
        for p in wrong
    )
    assert not wrong and not extra, f"docs/api.md: drop rows {extra}; set these rows:\n{want}"


def test_documented_endpoints_exist_with_the_documented_permission(app: FastAPI) -> None:
    """The doc may lag behind new endpoints, but what it lists must be true."""
    _header, *rows = _table("method")
    documented = {(method, path): permission for method, path, permission in rows}
    assert len(documented) == len(rows), "an endpoint is listed twice"
    served = {
        (method, r.path): permission_of(r.route)  # type: ignore[arg-type]
        for r in served_routes(app)
        if r.path not in PUBLIC_PATHS
        for method in r.methods
    }
    wrong = {k: v for k, v in documented.items() if served.get(k, "not served") != v}
    assert not wrong, {k: (v, served.get(k, "not served")) for k, v in wrong.items()}
