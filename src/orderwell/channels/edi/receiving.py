"""Receiving interchanges: 850s become orders, 997s close our sent documents.

An interchange is taken whole or not at all. Everything is checked first (envelope and
counts, partner, every 850 against the catalog, with the same ``PlaceOrder`` rules as
the API); only a clean interchange places its orders, all in one transaction, each
through ``place_order`` in its own savepoint, so a file is never half imported. Either
way we answer with a 997 naming each segment and element in error, and keep the
interchange and our 997 in ``edi_documents``.

Orders are idempotent on (channel ``edi-<partner>``, PO number): the same PO received
again (partners resend) answers with the first order and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.batch import SavepointBatch
from orderwell.channels.edi import x12
from orderwell.channels.edi.control_numbers import take_control_numbers
from orderwell.channels.edi.inbound_850 import (
    ItemIndex,
    PartnerView,
    PurchaseOrder,
    item_ids,
    read_850,
)
from orderwell.channels.edi.outbound import ack_997
from orderwell.channels.edi.x12 import Interchange, X12Error
from orderwell.domain.edi import FUNCTIONAL_ID, Direction, DocumentStatus, SetId
from orderwell.domain.errors import OrderwellError
from orderwell.domain.events import EventType
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from orderwell.store.tables import products
from orderwell.store.tables_edi import edi_documents, edi_orders, edi_partners
from orderwell.store.timeline import record


@dataclass(slots=True)
class Acknowledgment:
    partner: str
    document_id: int
    interchange_control: int
    text: str


@dataclass(slots=True)
class Received:
    """What one file did: orders (PO number, order id, created?), 997s, errors."""

    orders: list[tuple[str, int, bool]] = field(default_factory=list)
    acknowledgments: list[Acknowledgment] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)  # our documents a 997 closed

    @property
    def accepted(self) -> bool:
        return not self.errors


def receive_file(db: Database, data: bytes, *, filename: str | None, actor: str) -> Received:
    """Every interchange in one file, each taken whole or refused whole."""
    result = Received()
    try:
        interchanges = x12.parse(data)
    except X12Error as exc:
        result.errors.append(exc)
        _store_unreadable(db, data, filename, exc)
        return result
    for ic in interchanges:
        _receive_one(db, ic, data, filename, actor, result)
    return result


def _partner(db: Database, ic: Interchange) -> Any:
    with db.read() as conn:
        return conn.execute(
            sa.select(edi_partners).where(
                edi_partners.c.isa_qualifier == ic.sender_qualifier,
                edi_partners.c.isa_id == ic.sender_id,
                edi_partners.c.active,
            )
        ).first()


def _items(db: Database, ids: set[str]) -> ItemIndex:
    skus: dict[str, bool] = {}
    barcodes: dict[str, str] = {}
    if ids:
        with db.read() as conn:
            rows = conn.execute(
                sa.select(products.c.sku, products.c.barcode, products.c.active).where(
                    sa.or_(products.c.sku.in_(sorted(ids)), products.c.barcode.in_(sorted(ids)))
                )
            )
            for r in rows:
                skus[r.sku] = bool(r.active)
                if r.barcode:
                    barcodes[r.barcode] = r.sku
    return ItemIndex(skus, barcodes)


def _receive_one(
    db: Database,
    ic: Interchange,
    data: bytes,
    filename: str | None,
    actor: str,
    result: Received,
) -> None:
    partner = _partner(db, ic)
    if partner is None:
        error = X12Error(
            f"no active trading partner with ISA id {ic.sender_qualifier}/{ic.sender_id}",
            "ISA",
            element=6,
            code=x12.ELEMENT_INVALID_CODE,
            value=ic.sender_id,
        )
        result.errors.append(error)
        _store_unreadable(db, data, filename, error)
        return
    view = PartnerView(partner.code, partner.name, partner.email, partner.currency)
    errors: list[X12Error] = list(ic.errors)
    if ic.receiver_id != partner.our_isa_id:
        errors.append(
            X12Error(f"ISA08 {ic.receiver_id} is not our id {partner.our_isa_id}", "ISA", 0, 8)
        )
    items = _items(db, {i for g in ic.groups for ts in g.sets for i in item_ids(ts)})
    set_errors: dict[tuple[str, str], list[X12Error]] = {}
    orders: list[tuple[str, PurchaseOrder]] = []  # (GS06, PO)
    acks_of_ours: list[tuple[str, str]] = []  # (group control we sent, AK9 verdict)
    for group in ic.groups:
        errors += group.errors
        for err in group.errors:
            set_errors.setdefault((group.control, err.set_control or ""), []).append(err)
        for ts in group.sets:
            if ts.set_id == SetId.PURCHASE_ORDER:
                po, found = read_850(ts, view, items)
                set_errors.setdefault((group.control, ts.control), []).extend(found)
                errors += found
                if po is not None:
                    orders.append((group.control, po))
            elif ts.set_id == SetId.FUNCTIONAL_ACK:
                ak1, ak9 = ts.find("AK1"), ts.find("AK9")
                if ak1 is not None and ak9 is not None:
                    acks_of_ours.append((ak1.get(2), ak9.get(1)))
            else:
                err = X12Error(
                    f"transaction set {ts.set_id} is not one we receive (850, 997)",
                    "ST",
                    1,
                    1,
                    code=x12.ELEMENT_INVALID_CODE,
                    value=ts.set_id,
                    set_control=ts.control,
                )
                set_errors.setdefault((group.control, ts.control), []).append(err)
                errors.append(err)
    text = data.decode("latin-1")

    def take(conn: Connection) -> tuple[list[Any], list[int], list[Acknowledgment]]:
        batch = SavepointBatch(db, conn)
        now = db.clock()
        placed: list[tuple[str, int, bool]] = []
        if not errors:
            for group_control, po in orders:
                placed.append(_place(batch, conn, po, group_control, partner.id, actor))
        status = DocumentStatus.REJECTED if errors else DocumentStatus.ACCEPTED
        first_set = ic.groups[0].sets[0].set_id if ic.groups and ic.groups[0].sets else "850"
        conn.execute(
            sa.insert(edi_documents),
            {
                "partner_id": partner.id,
                "direction": Direction.INBOUND,
                "set_id": first_set,
                "interchange_control": ic.control,
                "group_control": ",".join(g.control for g in ic.groups)[:9],
                "status": status,
                "order_id": placed[0][1] if len(placed) == 1 else None,
                "filename": filename,
                "body": text,
                "errors": [str(e) for e in errors],
                "created_at": now,
            },
        )
        closed = [
            doc
            for group_control, verdict in acks_of_ours
            for doc in _close_ours(conn, partner.id, group_control, verdict)
        ]
        acks = _acknowledge(conn, partner, ic, set_errors, rejected=bool(errors), now=now)
        return placed, closed, acks

    try:
        placed, closed, acks = db.write(take)
    except _PlacementRefused as refused:
        errors.append(refused.error)
        key = (refused.group, refused.error.set_control or "")
        set_errors.setdefault(key, []).append(refused.error)
        orders.clear()
        # the refusal, its 997 and the interchange, with no orders
        placed, closed, acks = db.write(take)
    result.orders += placed
    result.acknowledged += closed
    result.acknowledgments += acks
    result.errors += errors


class _PlacementRefused(Exception):
    def __init__(self, error: X12Error, group: str) -> None:
        super().__init__(str(error))
        self.error, self.group = error, group


def _place(
    batch: SavepointBatch,
    conn: Connection,
    po: PurchaseOrder,
    group_control: str,
    partner_id: int,
    actor: str,
) -> tuple[str, int, bool]:
    try:
        placed = place_order(batch, po.request, actor=actor)
    except OrderwellError as exc:  # a conflicting resend, or the catalog changed just now
        error = po.locate(exc.field or "", exc.message)
        raise _PlacementRefused(error, group_control) from exc
    if placed.created:
        conn.execute(
            dialect_insert(conn, edi_orders).on_conflict_do_nothing(),
            {
                "order_id": placed.order_id,
                "partner_id": partner_id,
                "po_number": po.po_number,
                "po_date": po.po_date,
                "lines": po.lines,
            },
        )
        record(
            conn,
            placed.order_id,
            EventType.EDI_PURCHASE_ORDER_RECEIVED,
            f"EDI 850 PO {po.po_number} (set {po.ts.control})",
            actor=actor,
            at=batch.clock(),
            data={"po_number": po.po_number, "set_control": po.ts.control},
            publish=False,
        )
    return po.po_number, placed.order_id, placed.created


def _close_ours(conn: Connection, partner_id: int, group_control: str, verdict: str) -> list[int]:
    """A partner's 997 about a group we sent: mark our documents acknowledged or refused."""
    status = DocumentStatus.ACKNOWLEDGED if verdict in ("A", "E") else DocumentStatus.REJECTED
    d = edi_documents.c
    rows = conn.execute(
        sa.update(edi_documents)
        .where(
            d.partner_id == partner_id,
            d.direction == Direction.OUTBOUND,
            d.group_control == group_control,
            d.status == DocumentStatus.SENT,
        )
        .values(status=status)
        .returning(d.id)
    )
    return [int(r.id) for r in rows]


def _acknowledge(
    conn: Connection,
    partner: Any,
    ic: Interchange,
    set_errors: dict[tuple[str, str], list[X12Error]],
    *,
    rejected: bool,
    now: Any,
) -> list[Acknowledgment]:
    """One 997 for the interchange (a group each); none for an interchange of 997s."""
    groups = [g for g in ic.groups if g.functional_id != FUNCTIONAL_ID[SetId.FUNCTIONAL_ACK]]
    if not groups:
        return []
    numbers = take_control_numbers(conn, partner.id, sets=len(groups))
    sets = []
    for group, control in zip(groups, numbers.set_numbers(len(groups)), strict=True):
        by_set = {s: e for (g, s), e in set_errors.items() if g == group.control}
        sets.append(
            (SetId.FUNCTIONAL_ACK.value, control, ack_997(group, by_set, rejected=rejected))
        )
    env = x12.Envelope(
        partner.our_isa_qualifier,
        partner.our_isa_id,
        partner.isa_qualifier,
        partner.isa_id,
        partner.our_gs_id,
        partner.gs_id,
        numbers.interchange,
        numbers.group,
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        usage=partner.usage,
    )
    text = x12.write_interchange(env, FUNCTIONAL_ID[SetId.FUNCTIONAL_ACK], sets)
    doc_id = conn.execute(
        sa.insert(edi_documents).returning(edi_documents.c.id),
        {
            "partner_id": partner.id,
            "direction": Direction.OUTBOUND,
            "set_id": SetId.FUNCTIONAL_ACK,
            "interchange_control": f"{numbers.interchange:09d}",
            "group_control": str(numbers.group),
            "status": DocumentStatus.SENT,
            "body": text,
            "errors": [],
            "created_at": now,
        },
    ).scalar_one()
    return [Acknowledgment(partner.code, int(doc_id), numbers.interchange, text)]


def _store_unreadable(db: Database, data: bytes, filename: str | None, error: X12Error) -> None:
    """Keep what we could not even address a 997 to, for an operator to look at."""

    def work(conn: Connection) -> None:
        conn.execute(
            sa.insert(edi_documents),
            {
                "partner_id": None,
                "direction": Direction.INBOUND,
                "set_id": "",
                "interchange_control": "",
                "group_control": "",
                "status": DocumentStatus.REJECTED,
                "filename": filename,
                "body": data.decode("latin-1").replace("\x00", "\ufffd"),
                "errors": [str(error).replace("\x00", "\ufffd")],
                "created_at": db.clock(),
            },
        )

    db.write(work)
