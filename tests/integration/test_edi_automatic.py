"""855, 856 and 810 made by themselves on the order's events, and handed over through the
drop folder, for a real order driven through the warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.channels.edi import automatic, x12
from orderwell.channels.edi.drop_folder import hand_over, process_folder
from orderwell.channels.edi.outbound import read_856
from orderwell.channels.edi.receiving import receive_file
from orderwell.config import Settings
from orderwell.domain.errors import Conflict
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables import order_events
from orderwell.store.tables_edi import edi_documents
from tests.edi_support import acme_partner, acme_purchase_order
from tests.integration.fulfilment_helpers import floor, ship_order


def _outbound(db: Database) -> list[tuple[str, str, int | None]]:
    d = edi_documents.c
    with db.read() as conn:
        rows = conn.execute(
            sa.select(d.set_id, d.status, d.shipment_id)
            .where(d.direction == "out", d.set_id != "997")
            .order_by(d.id)
        ).all()
    return [(r.set_id, r.status, r.shipment_id) for r in rows]


def _run(db: Database) -> None:
    worker = Worker(db, Settings(channel_reconcile_seconds=3600), sleep=lambda _: None)
    worker.run_until_idle()
    worker.close()


def _order(db: Database, q1: int = 3, q2: int = 2) -> int:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 10})
    acme_partner(db)
    got = receive_file(db, acme_purchase_order(q1, q2), filename="po.edi", actor="edi")
    assert got.accepted, got.errors
    return got.orders[0][1]


def test_the_partner_gets_855_856_and_810_without_anyone_asking(
    db: Database, tmp_path: Path
) -> None:
    order_id = _order(db)
    _run(db)
    assert _outbound(db) == [("855", "ready", None)]
    (shipment_id,) = ship_order(db, order_id)
    _run(db)
    _run(db)  # the events are read once: nothing is made twice
    assert _outbound(db) == [
        ("855", "ready", None),
        ("856", "ready", shipment_id),
        ("810", "ready", None),
    ]

    # The drop folder hands them over once, whole, and they read back true.
    process_folder(db, tmp_path, actor="edi")
    out = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert [n.split("-")[:2] for n in out if not n.startswith("997")] == [
        ["810", "acme"],
        ["855", "acme"],
        ["856", "acme"],
    ]
    assert [s for _, s, _ in _outbound(db)] == ["sent"] * 3
    assert hand_over(db, tmp_path) == []
    text = {n[:3]: (tmp_path / "out" / n).read_text("latin-1") for n in out}
    notice = read_856(x12.parse(text["856"])[0].groups[0].sets[0])
    assert notice.po_number == "ACME-PO-77" and notice.tracking_number
    assert sum(q for items in notice.packages.values() for _, q in items) == 5
    invoice = x12.parse(text["810"])[0].groups[0].sets[0]
    tds = invoice.find("TDS")
    assert tds is not None and tds.get(1) == str(int(Decimal("47.50") * 100))
    ack = x12.parse(text["855"])[0].groups[0].sets[0]
    assert ack.segments[0].tag == "BAK" and ack.segments[0].get(3) == "ACME-PO-77"
    with db.read() as conn:
        said = list(
            conn.execute(
                sa.select(order_events.c.summary).where(
                    order_events.c.order_id == order_id, order_events.c.type == "edi.document_sent"
                )
            ).scalars()
        )
    assert [s.split(" (")[0] for s in said] == [
        "EDI 855 made for acme",
        "EDI 856 made for acme",
        "EDI 810 made for acme",
    ]


def test_a_document_that_cannot_be_made_is_told_and_holds_nothing_up(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = _order(db)

    def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict("the partner's PO was withdrawn", field="order")

    monkeypatch.setattr(automatic, "make_855", refuse)
    _run(db)
    monkeypatch.undo()
    assert _outbound(db) == []
    with db.read() as conn:
        failed = conn.execute(
            sa.select(order_events.c.summary, order_events.c.data).where(
                order_events.c.order_id == order_id, order_events.c.type == "edi.document_failed"
            )
        ).one()
    assert "855" in failed.summary and failed.data["error"] == "the partner's PO was withdrawn"
    ship_order(db, order_id)
    _run(db)  # later events still make their documents
    assert [s for s, _, _ in _outbound(db)] == ["856", "810"]
