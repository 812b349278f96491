"""The house plan holds: layers and areas import only downwards.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are described in
docs/architecture.md; ``lint-imports`` runs the same check from the shell.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "orderwell"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_import_contract_is_kept() -> None:
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert f"{len(_contracts())} kept, 0 broken" in run.stdout


def test_the_layers_name_every_area() -> None:
    """A new top-level package or module must be placed in the layers, or nothing checks it."""
    layered = {
        name.strip("()").removeprefix("orderwell.")
        for contract in _contracts()
        for layer in contract.get("layers", [])  # type: ignore[attr-defined]
        for name in str(layer).replace("|", " ").split()
    }
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert not (packages | modules) - layered, (packages | modules) - layered
