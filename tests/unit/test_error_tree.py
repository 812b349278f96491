"""One error tree: every code a caller can see is a class (or a registered HTTP code) in
domain/errors.py, answers with the HTTP status docs/api.md gives it, and is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from orderwell.domain import errors as e
from orderwell.http.errors import status_for

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "orderwell"
TREE = {cls.__name__: cls for cls in e.error_classes()}


def _documented() -> dict[str, str]:
    """code -> status from the table under "## Errors" in docs/api.md."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\w+)\s*\|\s*([a-z_]+)\s*\|", section, re.M)
    return {code: status for status, code in rows if code != "code"}


def _codes_written_outside_the_tree() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel != "domain/errors.py":
            found += _codes_in(rel, path.read_text(encoding="utf-8"))
    return found


def _codes_in(rel: str, source: str) -> list[str]:
    """Error codes ``source`` makes up instead of using a class of the tree."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            callee = node.func.id if isinstance(node.func, ast.Name) else callee
            for kw in node.keywords:
                literal = isinstance(kw.value, ast.Constant)
                if kw.arg == "code" and literal and callee in TREE:
                    found.append(f"{rel}:{node.lineno} {callee}(code={kw.value.value!r})")
            # problem(status, code, ...) answers a code directly.
            if callee == "problem" and len(node.args) > 1:
                code = node.args[1]
                if isinstance(code, ast.Constant) and code.value not in e.all_codes():
                    found.append(f"{rel}:{node.lineno} problem(..., {code.value!r})")
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    found.append(f"{rel}:{stmt.lineno} class {node.name} sets its own code")
    return found


def test_no_error_code_is_made_up_outside_the_tree() -> None:
    assert _codes_written_outside_the_tree() == [], "add a class to domain/errors.py"


def test_codes_are_unique_and_snake_case() -> None:
    codes = [cls.code for cls in e.error_classes()] + list(e.HTTP_CODES)
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z][a-z_]*", c) for c in codes)


def test_every_code_is_documented_with_its_status() -> None:
    documented = _documented()
    assert set(documented) == set(e.all_codes())
    for cls in e.error_classes():
        if cls is e.OrderwellError:
            continue
        assert documented[cls.code] == str(status_for(cls("x"))), cls.code


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (e.WrongBin, e.InvalidInput),
        (e.OverPick, e.InvalidInput),
        (e.ReturnWindowExpired, e.InvalidInput),
        (e.PackageOpen, e.Conflict),
        (e.RefundExceedsCapture, e.Conflict),
    ],
)
def test_new_codes_keep_their_http_status(cls: type[e.OrderwellError], parent: type) -> None:
    # Callers that catch the parent still catch these; the answer's status is unchanged.
    assert issubclass(cls, parent)
    assert status_for(cls("x")) == status_for(parent("x"))


def test_the_scan_would_catch_a_made_up_code() -> None:
    source = (
        "raise Conflict('no', code='made_up')\n"
        "raise e.InvalidInput('no', field='x', code='also_made_up')\n"
        "class Mine(e.Conflict):\n    code = 'mine'\n"
        "answer = problem(418, 'teapot', 'I am a teapot', 'no')\n"
        "ok = WarehouseIn(code='BER1')\n"  # a warehouse code, not an error code
        "raise WrongBin('no', field='bin')\n"
    )
    found = _codes_in("x.py", source)
    assert sorted(found) == [
        "x.py:1 Conflict(code='made_up')",
        "x.py:2 InvalidInput(code='also_made_up')",
        "x.py:4 class Mine sets its own code",
        "x.py:5 problem(..., 'teapot')",
    ]
