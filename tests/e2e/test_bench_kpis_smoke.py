"""`orderwell bench kpis` at a toy size: it loads, verifies and prints sound JSON lines.

Not a timed test: it checks the bench runs end to end (SQLite always, PostgreSQL when
the test server is configured), that the bulk-loaded rollups equal the rollups of the
loaded raw rows, and that every figure has the name, unit and baseline the docs promise.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from orderwell.bench.common import Figures, fresh_postgres, fresh_sqlite
from orderwell.bench.kpis import label, phases
from orderwell.store.db import normalise_url
from tests.conftest import PG_SKIP, PG_URL

ORDERS = 600


def _lines(out: io.StringIO) -> dict[str, dict[str, object]]:
    lines = {}
    for text in out.getvalue().splitlines():
        line = json.loads(text)
        assert line["value"] > 0 and line["name"] not in lines, line
        lines[str(line["name"])] = line
    return lines


def _check(lines: dict[str, dict[str, object]], prefix: str) -> None:
    size = label(ORDERS)
    assert lines[f"{prefix}kpi_history_load_s"]["orders"] == ORDERS
    assert lines[f"{prefix}kpi_history_verified_orders"]["value"] == 500
    for name in (f"kpi_dashboard_{size}_p99_ms", f"review_report_{size}_p99_ms"):
        line = lines[prefix + name]
        assert line["unit"] == "ms" and line["baseline"] > 0 and line["requests"] == 3
    dash = lines[f"{prefix}kpi_dashboard_{size}_p99_ms"]
    assert 0 < dash["period_orders"] < ORDERS  # type: ignore[operator]
    rollup = lines[f"{prefix}rollup_us_per_event"]
    assert rollup["unit"] == "us/event" and rollup["events"] == ORDERS


def test_bench_kpis_on_sqlite(tmp_path: Path) -> None:
    out = io.StringIO()
    phases(Figures(out), fresh_sqlite(tmp_path), orders=ORDERS, days=30, requests=3)
    _check(_lines(out), "sqlite_")


@pytest.mark.postgres
def test_bench_kpis_on_postgres() -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    suffix = f"_bench_kpis_smoke_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    url = fresh_postgres(PG_URL, suffix=suffix)
    out = io.StringIO()
    try:
        phases(Figures(out), url, orders=ORDERS, days=30, requests=3)
    finally:
        base = make_url(normalise_url(PG_URL))
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{base.database}{suffix}" WITH (FORCE)')
        admin.dispose()
    _check(_lines(out), "")
