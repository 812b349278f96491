"""`orderwell bench import` (CSV figures) at toy sizes: sound JSON lines, not a timed test."""

from __future__ import annotations

import io
import json

from orderwell.bench.common import Figures
from orderwell.bench.csv_import import run


def test_bench_import_prints_both_csv_figures_with_baselines() -> None:
    out = io.StringIO()
    run(orders=12, skus=8, figures=Figures(out))
    lines = {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}
    assert set(lines) == {"csv_import_orders_per_s", "shopify_csv_import_orders_per_s"}
    for line in lines.values():
        assert line["unit"] == "orders/s" and line["orders"] == 12
        assert line["value"] > 0 and line["baseline"] > 0 and line["seconds"] > 0
        assert line["baseline_name"] == "sqlite3_executemany_orders_per_s"
        assert line["meets_target"] == (line["value"] >= line["target"] == 2000.0)
