"""`orderwell bench place-orders` at toy sizes: every figure is a sound JSON line.

Not a timed test: it checks the bench runs end to end on both engines (PostgreSQL
including the multi-process and HTTP phases) and reports figures that make sense.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from orderwell.bench.common import Figures
from orderwell.bench.place_orders import BenchConfig, postgres_phases, sqlite_phases
from orderwell.store.db import Database, normalise_url
from tests.conftest import PG_SKIP, PG_URL

TINY = BenchConfig(
    orders=24,
    http_orders=40,
    statement_orders=6,
    processes=2,
    time_limit=60.0,
    http_connections=4,
    callers=4,
    http_workers=1,
    half_rate_seconds=1.0,
    pg_suffix=f"_bench_smoke_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
    skus=12,
)


def _parse(out: io.StringIO) -> dict[str, dict[str, Any]]:
    """Each stdout line is one JSON object with name, value and unit; keyed by name."""
    lines = {}
    for text in out.getvalue().splitlines():
        line = json.loads(text)
        assert {"name", "value", "unit"} <= line.keys(), line
        assert isinstance(line["value"], int | float) and math.isfinite(line["value"]), line
        assert line["value"] > 0, line
        if "baseline" in line:
            assert line["baseline"] > 0
            assert line["ratio"] == pytest.approx(line["value"] / line["baseline"], rel=0.01)
        assert line["name"] not in lines, f"figure {line['name']} printed twice"
        lines[line["name"]] = line
    return lines


def _check_run(lines: dict[str, dict[str, Any]], prefix: str, baseline: str | None) -> None:
    rate = lines[f"{prefix}_orders_per_s"]
    assert rate["unit"] == "orders/s"
    assert rate["orders"] > 0 and rate["seconds"] > 0
    if baseline is not None:
        assert rate["baseline_name"] == baseline
        assert rate["baseline"] == lines[baseline]["value"]
    assert 0 < lines[f"{prefix}_p50_ms"]["value"] <= lines[f"{prefix}_p99_ms"]["value"]


def test_bench_on_sqlite(tmp_path: Path) -> None:
    out = io.StringIO()
    sqlite_phases(Figures(out), TINY, tmp_path)
    lines = _parse(out)
    _check_run(lines, "sqlite_raw", None)
    _check_run(lines, "sqlite_inprocess", "sqlite_raw_orders_per_s")
    _check_run(lines, "sqlite_inprocess_one_txn_per_order", "sqlite_raw_orders_per_s")
    _check_run(lines, "sqlite_inprocess_event_loop", "sqlite_raw_orders_per_s")
    _check_run(lines, "sqlite_http", None)
    for name in ("sqlite_inprocess_orders_per_s", "sqlite_inprocess_event_loop_orders_per_s"):
        group = lines[name]
        assert group["orders"] == TINY.orders and group["callers"] == TINY.callers
        assert group["mean_group_size"] >= 1
    assert lines["sqlite_http_orders_per_s"]["orders"] <= TINY.http_orders
    statements = lines["sql_statements_per_order"]
    assert statements["unit"] == "statements/order"
    # One statement per table per group (about ten) shared by the group's orders.
    assert 0 < statements["value"] <= 2
    # Every order the bench placed is in the database, reserved, with its event and outbox row.
    db = Database.from_url(f"sqlite:///{tmp_path / 'bench.db'}")
    try:
        with db.read() as conn:
            counts = conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM orders WHERE status = 'reserved'),"
                    " (SELECT count(*) FROM orders), (SELECT count(*) FROM order_events),"
                    " (SELECT count(*) FROM outbox)"
                )
            ).one()
    finally:
        db.dispose()
    # raw, one-per-transaction, group and event-loop runs + the count run + every HTTP
    # order (the HTTP run may stop at its time limit, so it is counted from the figure)
    http = lines["sqlite_http_orders_per_s"]["orders"]
    placed = 4 * TINY.orders + TINY.statement_orders
    assert counts[0] == counts[1] == counts[2] == counts[3]
    assert placed + http <= counts[1] <= placed + TINY.http_orders


@pytest.mark.postgres
def test_bench_on_postgres() -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    out = io.StringIO()
    postgres_phases(Figures(out), TINY, PG_URL)
    lines = _parse(out)
    _check_run(lines, "postgres_raw_2proc", None)
    _check_run(lines, "postgres_inprocess", "postgres_raw_2proc_orders_per_s")
    _check_run(lines, "postgres_http_hot_sku", None)
    rate = lines["postgres_http_orders_per_s"]
    assert rate["baseline_name"] == "postgres_raw_2proc_orders_per_s"
    assert rate["workers"] == 1 and 0 < rate["orders"] <= TINY.http_orders
    assert lines["postgres_inprocess_orders_per_s"]["orders"] == TINY.orders
    assert 0 < lines["postgres_sql_statements_per_order"]["value"] <= 2
    replay = lines["postgres_replay_per_s"]
    assert replay["baseline"] == rate["value"] and replay["replays"] > 0
    hot = lines["postgres_http_hot_sku_orders_per_s"]
    assert hot["oversold_units"] == 0 and hot["reserved_matches_allocations"] is True
    assert 0 < lines["postgres_http_p50_ms"]["value"] <= lines["postgres_http_p99_ms"]["value"]
    assert lines["postgres_http_p99_ms"]["rate"] == pytest.approx(rate["value"] / 2, rel=0.01)
    # Tidy up the smoke database (the real bench leaves its database for inspection).
    base = make_url(normalise_url(PG_URL))
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f'DROP DATABASE IF EXISTS "{base.database}{TINY.pg_suffix}" WITH (FORCE)'
        )
    admin.dispose()
