"""The review over HTTP and the CLI: JSON and CSV for every KPI, the report as JSON and as a
PDF whose figures, parsed back, are the JSON's; bad periods refused naming the field."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderwell.cli import app as cli_app
from orderwell.review import kpi_summary
from orderwell.review.export import HEADER, summary_rows
from orderwell.review.kpis import SECTIONS, KpiSummary
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, snapshot
from tests.integration.review_history import WEEK, build_week

Q = {"from": "2026-03-01", "to": "2026-03-07"}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_kpi_as_json_and_csv(api: TestClient, admin: dict[str, str], db: Database) -> None:
    build_week(db)
    got = api.get("/review/kpis", params=Q, headers=admin)
    assert got.status_code == 200, got.text
    want = kpi_summary(db, WEEK).model_dump(mode="json")
    assert got.json() == want
    assert got.json()["frequency"]["orders"] == 6
    whole = api.get("/review/kpis.csv", params=Q, headers=admin)
    assert whole.headers["content-type"].startswith("text/csv")
    rows = _csv(whole.text)
    assert tuple(rows[0]) == HEADER
    assert [tuple(r.values()) for r in rows] == list(summary_rows(kpi_summary(db, WEEK)))
    for section in SECTIONS:
        one = api.get(f"/review/kpis/{section}", params=Q, headers=admin)
        assert one.status_code == 200 and one.json()[section] == want[section]
        as_csv = api.get(f"/review/kpis/{section}", params={**Q, "format": "csv"}, headers=admin)
        assert {r["section"] for r in _csv(as_csv.text)} == {section}
    picking = {
        r["metric"]: r["value"]
        for r in _csv(
            api.get("/review/kpis/picking", params={**Q, "format": "csv"}, headers=admin).text
        )
    }
    assert picking == {
        "picks": "6",
        "correct_picks": "4",
        "short_picks": "1",
        "picking_accuracy": "0.6667",
    }
    shop = api.get("/review/kpis", params={**Q, "channel": "shop"}, headers=admin).json()
    assert shop["frequency"]["orders"] == 2 and shop["filters"]["channel"] == "shop"


def test_report_pdf_parsed_back_matches_the_json(
    api: TestClient, admin: dict[str, str], db: Database
) -> None:
    build_week(db)
    report = api.get("/review/report", params=Q, headers=admin).json()
    assert [i["kind"] for i in report["issues"]][:2] == ["slowest_stage", "short_picks"]
    pdf = api.get("/review/report.pdf", params=Q, headers=admin)
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "What could have been better" in text
    # Every figure of the JSON summary is printed, as section, metric, key and value.
    summary = KpiSummary.model_validate(report["summary"])
    for row in summary_rows(summary):
        printed = " ".join(cell for cell in row if cell)
        assert printed in text, printed
    for t in report["trends"]:
        value = "-" if t["value"] is None else f"{t['value']:g}"
        assert f"{t['name']} {value}" in text, t
    for issue in report["issues"]:
        assert issue["order_numbers"][0] in text
        assert f"{issue['value']:g}" in text
    # Charts are drawn, not only tables: the trend lines, stage bars and reasons.
    assert "Per day: orders placed, cancelled, short-picked, late" in text
    assert "Lead time per stage (hours)" in text and "Units returned by reason" in text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-07", "to": "2026-03-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-03-01"}, "from"),
        ({"from": "2000-01-01", "to": "2026-03-01"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
        ({"to": "2026-03-01"}, "from"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(
    api: TestClient, admin: dict[str, str], db: Database, params: dict[str, str], field: str
) -> None:
    before = snapshot(db)
    for path in ("/review/kpis", "/review/report", "/review/report.pdf", "/review/kpis.csv"):
        assert_problem(api.get(path, params=params, headers=admin), 422, field=field)
    assert snapshot(db) == before


def test_unknown_section_and_format_are_refused(api: TestClient, admin: dict[str, str]) -> None:
    assert_problem(api.get("/review/kpis/speed", params=Q, headers=admin), 422, field="section")
    assert_problem(
        api.get("/review/kpis/fill", params={**Q, "format": "xml"}, headers=admin),
        422,
        field="format",
    )
    assert api.get("/review/kpis", params=Q).status_code == 401


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_report_review_command_writes_the_pdf_and_json(
    cli: CliRunner, db: Database, tmp_path: Path
) -> None:
    build_week(db)
    pdf = tmp_path / "week.pdf"
    done = cli.invoke(
        cli_app,
        ["report", "review", "--from", "2026-03-01", "--to", "2026-03-07", "--out", str(pdf)],
    )
    assert done.exit_code == 0, done.output
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "What could have been better" in text and "OW-000006" in text
    out = tmp_path / "week.json"
    done = cli.invoke(
        cli_app,
        [
            "report",
            "review",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-07",
            "--out",
            str(out),
            "--channel",
            "shop",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["summary"]["frequency"]["orders"] == 2
    wrong = cli.invoke(cli_app, ["report", "review", "--from", "2026-03-07", "--to", "2026-03-01"])
    assert wrong.exit_code == 2 and "--to" in wrong.output
    refreshed = cli.invoke(cli_app, ["report", "refresh", "--rebuild"])
    assert refreshed.exit_code == 0 and "7 order(s) recomputed" in refreshed.output
