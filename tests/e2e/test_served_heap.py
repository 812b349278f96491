"""The served app settles its start-up heap (app._settle_heap: gc.freeze) so the garbage
collector's full passes stop walking it; an app a test builds around its own database
does not (freezing a test process's heap would only keep garbage alive)."""

from __future__ import annotations

import pytest

from orderwell import app as app_module
from orderwell.store.db import Database


def test_only_the_served_app_freezes_its_start_up_heap(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled: list[bool] = []
    monkeypatch.setattr(app_module, "_settle_heap", lambda: settled.append(True))
    app_module.create_app(db, worker=False)
    assert settled == []
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    served = app_module.create_app(worker=False)
    assert settled == [True]
    served.state.db.dispose()
