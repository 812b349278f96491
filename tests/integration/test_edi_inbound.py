"""EDI 850s become orders through the placement path; a broken interchange creates nothing."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from orderwell.channels.edi import x12
from orderwell.channels.edi.control_numbers import take_control_numbers
from orderwell.channels.edi.receiving import receive_file
from orderwell.domain.edi import DocumentStatus
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders, stock_ledger
from orderwell.store.tables_edi import edi_documents, edi_orders, edi_partners
from tests.edi_support import PO_ITEMS, fixture, xyz_partner


def _counts(db: Database) -> tuple[int, ...]:
    with db.read() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (orders, order_events, stock_ledger, edi_orders)
        )


def _ack_segments(text: str) -> list[list[str]]:
    (ic,) = x12.parse(text)
    (group,) = ic.groups
    assert group.functional_id == "FA" and ic.errors == [] and group.errors == []
    return [[s.tag, *s.elements] for s in group.sets[0].segments]


def test_850_becomes_an_order_with_ship_to_lines_and_dates(db: Database) -> None:
    xyz_partner(db)
    got = receive_file(db, fixture("850.edi"), filename="850.edi", actor="edi")
    assert got.accepted and len(got.orders) == 1
    po_number, order_id, created = got.orders[0]
    assert (po_number, created) == ("08292233294", True)
    with db.read() as conn:
        order = get_order(conn, order_id, db.numbers)
        link = conn.execute(sa.select(edi_orders)).one()
    assert order["channel"] == "edi-xyz" and order["external_id"] == "08292233294"
    address = order["shipping_address"]
    assert (address["name"], address["line1"], address["city"]) == (
        "XYZ RETAIL",
        "31875 SOLON RD",
        "SOLON",
    )
    assert (address["region"], address["postal_code"], address["country"]) == ("OH", "44139", "US")
    assert str(order["requested_delivery_date"]) == "2010-12-14"
    assert str(order["placed_at"]).startswith("2010-11-27")
    assert {ln["sku"]: ln["quantity"] for ln in order["lines"]} == PO_ITEMS
    # AMT*1 of the PO is its total: ours agrees to the cent.
    assert Decimal(order["totals"]["total"]) == Decimal("13045.94")
    assert [ln["line"] for ln in link.lines] == ["1", "2", "3", "4", "5", "6"]
    assert link.lines[0]["ids"]["CB"] == "065322-117"
    segs = _ack_segments(got.acknowledgments[0].text)
    assert segs[0] == ["AK1", "PO", "1421"] and segs[-1] == ["AK9", "A", "1", "1", "1"]
    assert ["AK5", "A"] in segs


def test_the_same_po_twice_in_one_file_makes_one_order(db: Database) -> None:
    xyz_partner(db)
    got = receive_file(db, fixture("850_fat.edi"), filename="850_fat.edi", actor="edi")
    assert got.accepted
    assert [(o[0], o[2]) for o in got.orders] == [("08292233294", True), ("08292233294", False)]
    assert got.orders[0][1] == got.orders[1][1]
    # Each interchange gets its own 997, with its own control number.
    assert [a.interchange_control for a in got.acknowledgments] == [1, 2]
    again = receive_file(db, fixture("850.edi"), filename="850.edi", actor="edi")
    assert again.orders == [("08292233294", got.orders[0][1], False)]
    assert _counts(db)[0] == 1


def test_a_broken_interchange_gets_a_997_naming_segment_and_element_and_creates_nothing(
    db: Database,
) -> None:
    xyz_partner(db)
    before = _counts(db)
    bad = fixture("850.edi").replace(b"PO1*2*220*EA", b"PO1*2*2X0*EA")
    bad = bad.replace(b"VN*XY5266", b"VN*NO-SUCH").replace(b"DTM*002*20101214", b"DTM*002*2010")
    got = receive_file(db, bad, filename="bad.edi", actor="edi")
    assert not got.accepted and got.orders == []
    assert _counts(db) == before
    segs = _ack_segments(got.acknowledgments[0].text)
    assert ["AK3", "DTM", "6", "", "8"] in segs and ["AK4", "2", "", "8", "2010"] in segs
    assert ["AK3", "PO1", "16", "", "8"] in segs and ["AK4", "2", "", "6", "2X0"] in segs
    # The unknown item is pointed at by its vendor number (PO111), the id we look up first.
    assert ["AK3", "PO1", "19", "", "8"] in segs and ["AK4", "11", "", "7", "NO-SUCH"] in segs
    assert ["AK5", "R", "5"] in segs and segs[-1] == ["AK9", "R", "1", "1", "0"]
    with db.read() as conn:
        docs = conn.execute(sa.select(edi_documents).order_by(edi_documents.c.id)).all()
    assert [(d.direction, d.status) for d in docs] == [
        ("in", DocumentStatus.REJECTED),
        ("out", DocumentStatus.SENT),
    ]


def test_one_bad_set_refuses_the_whole_interchange(db: Database) -> None:
    xyz_partner(db)
    text = fixture("850.edi").decode()
    start, end = text.index("ST*850"), text.index("GE*1")
    good_set = text[start:end]
    bad_set = good_set.replace("000000010", "000000011").replace("08292233294", "PO-2")
    bad_set = bad_set.replace("N1*ST*XYZ RETAIL*9*0003947268292~\n", "")
    two = text[:start] + good_set + bad_set + text[end:].replace("GE*1", "GE*2")
    got = receive_file(db, two.encode(), filename="two.edi", actor="edi")
    assert got.orders == [] and _counts(db)[0] == 0
    segs = _ack_segments(got.acknowledgments[0].text)
    assert ["AK3", "N1", "", "", "3"] in segs  # ship-to loop missing
    # ... and, the segment being gone, SE01 no longer counts right (AK5 code 4).
    assert segs.count(["AK5", "R"]) == 1 and ["AK5", "R", "4", "5"] in segs


def test_conflicting_resend_of_a_po_is_refused_by_997_at_beg03(db: Database) -> None:
    xyz_partner(db)
    assert receive_file(db, fixture("850.edi"), filename="a", actor="edi").accepted
    changed = fixture("850.edi").replace(b"PO1*1*120*EA", b"PO1*1*121*EA")
    got = receive_file(db, changed, filename="b", actor="edi")
    assert not got.accepted and got.orders == []
    segs = _ack_segments(got.acknowledgments[0].text)
    assert ["AK3", "BEG", "2", "", "8"] in segs
    assert _counts(db)[0] == 1


def test_unknown_sender_is_kept_and_gets_no_997(db: Database) -> None:
    xyz_partner(db)
    other = fixture("850.edi").replace(b"*12*4405197800     *", b"*12*4405197899     *")
    got = receive_file(db, other, filename="x", actor="edi")
    assert not got.accepted and got.acknowledgments == [] and _counts(db)[0] == 0
    assert got.errors[0].segment == "ISA" and got.errors[0].element == 6


def test_partners_997_closes_our_documents(db: Database) -> None:
    partner_id = xyz_partner(db)
    got = receive_file(db, fixture("850.edi"), filename="850.edi", actor="edi")
    ours = x12.parse(got.acknowledgments[0].text)[0]
    # The partner acknowledges a group we sent (here: pretend our 997 needed one).
    reply = (
        "ISA*00*          *00*          *12*4405197800     *01*999999999      *201127*1719*U*"
        "00401*000000077*0*P*>~GS*FA*4405197800*999999999*20201127*1719*77*X*004010~"
        f"ST*997*0001~AK1*FA*{ours.groups[0].control}~AK9*A*1*1*1~SE*4*0001~GE*1*77~"
        "IEA*1*000000077~"
    )
    answer = receive_file(db, reply.encode(), filename="997.edi", actor="edi")
    assert answer.accepted and answer.acknowledgments == []  # no 997 for a 997
    assert answer.acknowledged == [got.acknowledgments[0].document_id]
    with db.read() as conn:
        status = conn.execute(
            sa.select(edi_documents.c.status).where(
                edi_documents.c.id == got.acknowledgments[0].document_id
            )
        ).scalar_one()
        assert conn.execute(sa.select(edi_partners.c.id)).scalar_one() == partner_id
    assert status == DocumentStatus.ACKNOWLEDGED


def test_control_numbers_are_never_handed_out_twice_under_concurrency(db: Database) -> None:
    partner_id = xyz_partner(db)
    taken: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def writer() -> None:
        start.wait()
        for _ in range(15):
            n = db.write(lambda conn: take_control_numbers(conn, partner_id, sets=2))
            with lock:
                taken.append((n.interchange, n.group, n.first_set))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(i for i, _, _ in taken) == list(range(1, 61))
    assert sorted(g for _, g, _ in taken) == list(range(1, 61))
    sets = sorted(s + k for _, _, s in taken for k in range(2))
    assert sets == list(range(1, 121))


def test_control_numbers_stop_at_nine_digits_instead_of_wrapping(db: Database) -> None:
    partner_id = xyz_partner(db)
    with db.transaction() as conn:
        conn.execute(sa.update(edi_partners).values(next_interchange=999_999_999))
    assert db.write(lambda c: take_control_numbers(c, partner_id)).interchange == 999_999_999
    with pytest.raises(Exception, match="used up"):
        db.write(lambda c: take_control_numbers(c, partner_id))


def test_a_ship_to_postcode_its_country_does_not_use_gets_a_997_at_n4(db: Database) -> None:
    xyz_partner(db)
    before = _counts(db)
    # 04139 is a ZIP of Maine, not of Ohio (Ohio's start with 43-45).
    bad = fixture("850.edi").replace(b"N4*SOLON*OH*44139", b"N4*SOLON*OH*04139")
    got = receive_file(db, bad, filename="bad-zip.edi", actor="edi")
    assert not got.accepted and got.orders == [] and _counts(db) == before
    segs = _ack_segments(got.acknowledgments[0].text)
    # N4 (segment 12), element 3 (the postal code), "invalid character in data" (6).
    assert ["AK3", "N4", "12", "", "8"] in segs and ["AK4", "3", "", "6", "04139"] in segs
    assert ["AK5", "R", "5"] in segs
