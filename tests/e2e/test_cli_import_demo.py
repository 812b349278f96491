"""The ``orderwell demo`` and ``orderwell import orders`` commands, end to end."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orderwell.demo
from orderwell.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "orders.csv"
ENV = {"NO_COLOR": "1"}


def _flat(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"], env=ENV)
    assert result.exit_code == 0, result.output
    yield runner


def test_demo_then_import_example(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    # The full demo takes seconds per engine; the command's wiring is the same at any scale.
    monkeypatch.setattr(
        orderwell.demo, "load_demo", functools.partial(orderwell.demo.load_demo, scale=0.03)
    )
    result = cli.invoke(app, ["demo", "--seed", "5"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "status reserved" in result.output and "on hold: payment" in result.output
    again = cli.invoke(app, ["demo", "--if-empty"], env=ENV)
    assert again.exit_code == 0 and "demo data already loaded" in again.output

    dry = cli.invoke(app, ["import", "orders", "--dry-run", str(EXAMPLE)], env=ENV)
    assert dry.exit_code == 0, dry.output
    assert "Dry run, no problems: 4 order(s) would be created" in _flat(dry.output)
    real = cli.invoke(app, ["import", "orders", str(EXAMPLE)], env=ENV)
    assert real.exit_code == 0 and "Created 4 order(s), 0 already imported" in _flat(real.output)
    rerun = cli.invoke(app, ["import", "orders", str(EXAMPLE)], env=ENV)
    assert rerun.exit_code == 0 and "Created 0 order(s), 4 already imported" in _flat(rerun.output)


def test_import_dry_run_lists_problems_and_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("APP-TEE-NVY-M", "NO-SUCH-SKU")
    lines[2] = lines[2].replace("14.50", "14,50")  # a decimal comma splits the row
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli.invoke(app, ["import", "orders", "--dry-run", str(bad)], env=ENV)
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    # The table wraps long messages at the terminal width: look for short pieces.
    assert "NO-SUCH-SKU" in result.output and "25 values" in result.output
