"""``orderwell bench shopify-webhooks`` at a toy size: it runs end to end over real HTTP and
prints sound figures (not a timed test: the figure itself is not judged here)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from orderwell.bench.shopify_webhooks import WebhookBenchConfig, run


@pytest.mark.slow
def test_the_webhook_bench_prints_its_figure_with_a_same_run_baseline(tmp_path: Path) -> None:
    out = io.StringIO()
    run(
        WebhookBenchConfig(orders=12, connections=2, workers=1, time_limit=120, skus=6),
        out=out,
        directory=tmp_path,
    )
    lines = {json.loads(t)["name"]: json.loads(t) for t in out.getvalue().splitlines()}
    hooks, api = lines["shopify_webhook_orders_per_s"], lines["sqlite_http_api_orders_per_s"]
    assert hooks["orders"] == 12 and api["orders"] > 0
    assert hooks["value"] > 0 and hooks["seconds"] > 0
    assert hooks["baseline"] == api["value"] and hooks["baseline_name"] == api["name"]
    assert hooks["ratio"] == pytest.approx(hooks["value"] / api["value"], rel=0.01)
    assert hooks["target"] == 1000 and isinstance(hooks["meets_target"], bool)
