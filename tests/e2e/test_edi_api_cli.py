"""EDI over HTTP and from the drop folder, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderwell.channels.edi import x12
from orderwell.cli import app as cli_app
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, snapshot
from tests.edi_support import fixture, xyz_partner

X12 = {"Content-Type": "application/edi-x12"}


def test_post_interchange_places_the_order_and_answers_with_a_997(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    xyz_partner(db)
    r = api.post("/edi/interchanges", content=fixture("850.edi"), headers=admin | X12)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(o["po_number"], o["created"]) for o in body["orders"]] == [("08292233294", True)]
    (ack,) = body["acknowledgments"]
    assert x12.parse(ack["text"])[0].groups[0].functional_id == "FA"
    docs = api.get("/edi/documents?partner=xyz", headers=admin).json()["items"]
    assert [(d["direction"], d["set_id"], d["status"]) for d in docs] == [
        ("out", "997", "sent"),
        ("in", "850", "accepted"),
    ]
    text = api.get(f"/edi/documents/{ack['document_id']}", headers=admin)
    assert text.status_code == 200 and text.text == ack["text"]


def test_broken_interchange_is_422_naming_segment_and_element_and_changes_no_order(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    xyz_partner(db)
    before = snapshot(db)
    bad = fixture("850.edi").replace(b"PO1*3*126*EA*10.99", b"PO1*3*126*EA*ten")
    r = api.post("/edi/interchanges", content=bad, headers=admin | X12)
    assert_problem(r, 422, "invalid_interchange", field="PO104")
    (error,) = r.json()["errors"]
    assert (error["segment"], error["position"], error["element"]) == ("PO1", 19, 4)
    after = snapshot(db)
    for table in ("orders", "order_lines", "stock", "edi_orders"):
        assert after[table] == before[table], table
    assert "AK4*4**6*ten" in r.json()["acknowledgments"][0]["text"]


def test_interchange_must_be_sent_as_x12(api: TestClient, admin: dict[str, str]) -> None:
    r = api.post("/edi/interchanges", json={"isa": 1}, headers=admin)
    assert_problem(r, 415, "unsupported_media_type", field="body")


def test_partner_api_validates_and_refuses_a_second_partner_with_the_same_ids(
    api: TestClient, admin: dict[str, str]
) -> None:
    partner = {
        "code": "acme",
        "name": "ACME",
        "email": "edi@acme.example.com",
        "isa_qualifier": "ZZ",
        "isa_id": "ACME",
        "gs_id": "ACME",
        "our_isa_id": "US",
        "our_gs_id": "US",
    }
    r = api.post("/edi/partners", json=partner, headers=admin)
    assert r.status_code == 201 and r.json()["next_interchange"] == 1
    assert_problem(api.post("/edi/partners", json=partner, headers=admin), 409, "conflict")
    bad = api.post("/edi/partners", json=partner | {"isa_qualifier": "toolong"}, headers=admin)
    assert_problem(bad, 422, "invalid_input", field="isa_qualifier")
    assert [p["code"] for p in api.get("/edi/partners", headers=admin).json()["items"]] == ["acme"]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_drop_folder_takes_good_files_and_refuses_bad_ones(
    db: Database, cli: CliRunner, tmp_path: Path
) -> None:
    xyz_partner(db)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.edi").write_bytes(fixture("850.edi"))
    (tmp_path / "in" / "bad.edi").write_bytes(fixture("850.edi").replace(b"BEG*00*SA*0", b"BEG"))
    result = cli.invoke(cli_app, ["edi", "watch", str(tmp_path), "--once"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "good.edi: taken, 1 order(s)" in result.output
    assert "bad.edi: refused, 0 order(s)" in result.output
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["good.edi"]
    assert sorted(p.name for p in (tmp_path / "rejected").iterdir()) == ["bad.edi"]
    assert list((tmp_path / "in").iterdir()) == []
    acks = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in acks] == ["997-xyz-000000001.edi", "997-xyz-000000002.edi"]
    verdicts = [x12.parse(p.read_bytes())[0].groups[0].sets[0].segments[-1] for p in acks]
    assert sorted(v.get(1) for v in verdicts) == ["A", "R"]


def test_cli_partner_add_and_list(db: Database, cli: CliRunner) -> None:
    args = ["edi", "partner", "add", "--code", "acme", "--name", "ACME", "--email",
            "edi@acme.example.com", "--isa-qualifier", "ZZ", "--isa-id", "ACME", "--gs-id",
            "ACME", "--our-isa-id", "US", "--our-gs-id", "US"]  # fmt: skip
    added = cli.invoke(cli_app, args, env={"NO_COLOR": "1"})
    assert added.exit_code == 0, added.output
    listed = cli.invoke(cli_app, ["edi", "partner", "list"], env={"NO_COLOR": "1"})
    assert "acme" in listed.output and "ZZ/ACME" in listed.output
    bad = cli.invoke(cli_app, [*args[:-1], "x" * 20], env={"NO_COLOR": "1"})
    assert bad.exit_code == 1 and "--our-gs-id" in bad.output


def test_cli_sends_an_855_into_the_drop_folder_and_the_api_an_810_refusal(
    db: Database, cli: CliRunner, tmp_path: Path, api: TestClient, admin: dict[str, str]
) -> None:
    xyz_partner(db)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "po.edi").write_bytes(fixture("850.edi"))
    cli.invoke(cli_app, ["edi", "watch", str(tmp_path), "--once"], env={"NO_COLOR": "1"})
    sent = cli.invoke(cli_app, ["edi", "send", "855", "1", "--out", str(tmp_path)])
    assert sent.exit_code == 0, sent.output
    written = tmp_path / "out" / "855-xyz-000000002.edi"
    ts = x12.parse(written.read_bytes())[0].groups[0].sets[0]
    assert ts.set_id == "855" and ts.segments[0].get(3) == "08292233294"
    refused = api.post("/edi/orders/1/810", headers=admin)
    assert_problem(refused, 409, "conflict", field="order")
    wrong = cli.invoke(cli_app, ["edi", "send", "999", "1"], env={"NO_COLOR": "1"})
    assert wrong.exit_code == 1
