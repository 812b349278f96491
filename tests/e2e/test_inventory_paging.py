"""Stock lists page like every other list: ``limit`` honoured, ``next_cursor`` to go on,
and each level names the bins its units lie in."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.store.db import Database
from tests.e2e.support import assert_problem
from tests.helpers import seed


def _walk(api: TestClient, url: str, headers: dict[str, str]) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        sep = "&" if "?" in url else "?"
        answer = api.get(url + (f"{sep}cursor={cursor}" if cursor else ""), headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_levels_honour_limit_page_by_cursor_and_list_bins(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, skus=4)
    for n in range(1, 5):
        receive(db, ReceiveIn(sku=f"SKU-{n}", warehouse="WH1", bin="A-02", quantity=n), actor="t")
        receive(db, ReceiveIn(sku=f"SKU-{n}", warehouse="WH1", bin="A-01", quantity=1), actor="t")
        receive(db, ReceiveIn(sku=f"SKU-{n}", warehouse="WH2", bin="A-03", quantity=2), actor="t")

    pages = _walk(api, "/inventory/levels?limit=3", admin)
    assert [len(p) for p in pages] == [3, 3, 2]
    levels = [item for page in pages for item in page]
    assert [(lv["sku"], lv["warehouse"]) for lv in levels] == [
        (f"SKU-{n}", wh) for n in range(1, 5) for wh in ("WH1", "WH2")
    ]
    whole = api.get("/inventory/levels", headers=admin).json()
    assert whole["items"] == levels and whole["next_cursor"] is None
    # Bins in walk order, for every level, without naming a SKU.
    assert levels[0]["bins"] == [{"bin": "A-01", "on_hand": 1}, {"bin": "A-02", "on_hand": 1}]
    assert levels[7]["bins"] == [{"bin": "A-03", "on_hand": 2}]
    assert all(sum(b["on_hand"] for b in lv["bins"]) == lv["on_hand"] for lv in levels)

    ledger = _walk(api, "/inventory/ledger?limit=5", admin)
    assert [len(p) for p in ledger] == [5, 5, 2]
    ids = [row["id"] for page in ledger for row in page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 12

    for bad in ("nonsense", "WyJsZWRnZXIiLDFd", "W10"):
        assert_problem(
            api.get(f"/inventory/levels?cursor={bad}", headers=admin), 422, field="cursor"
        )
    assert_problem(api.get("/inventory/levels?limit=0", headers=admin), 422, field="limit")
