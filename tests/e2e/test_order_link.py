"""An operator gets any order's tracking-page link: in the order's API answer and from
``orderwell order link``."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderwell.cli import app, main
from orderwell.store.db import Database
from tests.helpers import order_payload, seed


def test_order_answer_and_cli_give_the_tracking_page(
    db: Database,
    db_url: str,
    api: TestClient,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    number = api.post("/orders", json=order_payload({"SKU-1": 1}), headers=admin).json()["number"]
    url = api.get(f"/orders/{number}", headers=admin).json()["tracking_page_url"]
    base = db.settings.public_url.rstrip("/")
    assert url.startswith(f"{base}/track/")
    page = api.get(url.removeprefix(base))
    assert page.status_code == 200 and number in page.text

    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["order", "link", number])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == url
    monkeypatch.setattr("sys.argv", ["orderwell", "order", "link", "OW-999999"])
    with pytest.raises(SystemExit) as gone:
        main()
    assert gone.value.code == 1 and "no order OW-999999" in capsys.readouterr().err
