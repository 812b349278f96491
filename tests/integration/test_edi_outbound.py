"""855, 856 and 810 for a real order driven through the warehouse: they read back true."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from orderwell.channels.edi import x12
from orderwell.channels.edi.outbound import read_856
from orderwell.channels.edi.receiving import receive_file
from orderwell.channels.edi.sending import send_810, send_855, send_856
from orderwell.domain.errors import Conflict
from orderwell.store.db import Database
from orderwell.store.tables_edi import edi_partners
from orderwell.store.tables_fulfilment import package_items, packages
from tests.edi_support import acme_partner, acme_purchase_order
from tests.integration.fulfilment_helpers import floor, ship_order


def test_ship_notice_of_a_real_shipment_reads_back_with_its_items_and_ssccs(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 10})
    acme_partner(db)
    got = receive_file(db, acme_purchase_order(3, 2), filename="po.edi", actor="edi")
    assert got.accepted, got.errors
    order_id = got.orders[0][1]
    (shipment_id,) = ship_order(db, order_id)

    sent = send_856(db, shipment_id, actor="test")
    (ic,) = x12.parse(sent.text)
    assert ic.errors == [] and ic.groups[0].errors == [] and ic.groups[0].functional_id == "SH"
    notice = read_856(ic.groups[0].sets[0])
    with db.read() as conn:
        rows = conn.execute(
            sa.select(packages.c.sscc, package_items.c.sku, package_items.c.quantity)
            .join(package_items, package_items.c.package_id == packages.c.id)
            .where(packages.c.shipment_id == shipment_id)
        ).all()
    sent_id = {"SKU-1": "SKU-1", "SKU-2": "4000000000002"}  # the id the partner used
    expected: dict[str, list[tuple[str, int]]] = {}
    for r in rows:
        expected.setdefault(r.sscc, []).append((sent_id[r.sku], r.quantity))
    assert {k: sorted(v) for k, v in notice.packages.items()} == {
        k: sorted(v) for k, v in expected.items()
    }
    assert all(len(sscc) == 18 for sscc in notice.packages)
    assert notice.po_number == "ACME-PO-77" and notice.tracking_number
    segs = [[s.tag, *s.elements] for s in ic.groups[0].sets[0].segments]
    assert [s[3] for s in segs if s[0] == "HL"] == ["S", "O", "P", "I", "I"]

    invoice = send_810(db, order_id, actor="test")
    inv = x12.parse(invoice.text)[0].groups[0].sets[0]
    tds = inv.find("TDS")
    assert tds is not None
    # 3 x 10.00 - 2.50 allowance + 2 x 10.00, no shipping on the PO.
    assert tds.get(1) == str(int(Decimal("47.50") * 100))
    assert [s.get(2) for s in inv.segments if s.tag == "IT1"] == ["3", "2"]
    # Every interchange to the partner has its own control number.
    numbers = [got.acknowledgments[0].interchange_control, sent.interchange_control]
    assert len({*numbers, invoice.interchange_control}) == 3


def test_855_accepts_reserved_and_backorders_the_rest(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 1})
    acme_partner(db)
    got = receive_file(db, acme_purchase_order(4, 3), filename="po.edi", actor="edi")
    ack = send_855(db, got.orders[0][1], actor="test")
    ts = x12.parse(ack.text)[0].groups[0].sets[0]
    segs = [[s.tag, *s.elements] for s in ts.segments]
    assert segs[0][:4] == ["BAK", "00", "AC", "ACME-PO-77"]  # AC: with changes
    assert ["ACK", "IA", "4", "EA"] in segs
    assert ["ACK", "IA", "1", "EA"] in segs and ["ACK", "IB", "2", "EA"] in segs
    assert segs[-1] == ["CTT", "2", "7"]


def test_nothing_is_sent_for_an_unshipped_shipment_or_a_non_edi_order(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 10})
    acme_partner(db)
    got = receive_file(db, acme_purchase_order(1, 1), filename="po.edi", actor="edi")
    with db.read() as conn:
        before = conn.execute(sa.select(edi_partners.c.next_interchange)).scalar_one()
    with pytest.raises(Conflict, match="shipped nothing"):
        send_810(db, got.orders[0][1], actor="test")
    with pytest.raises(Conflict, match="did not come by EDI"):
        send_855(db, _api_order(db), actor="test")
    with db.read() as conn:
        after = conn.execute(sa.select(edi_partners.c.next_interchange)).scalar_one()
    assert before == after  # a refused send takes no control number


def _api_order(db: Database) -> int:
    from orderwell.orders.placing import place_order
    from orderwell.orders.rules import PlaceOrder
    from tests.helpers import order_payload

    request = PlaceOrder.model_validate(order_payload({"SKU-1": 1}))
    return place_order(db, request, actor="test").order_id
