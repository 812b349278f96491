"""The segments of the documents we send: 997, 855, 856, 810 (X12 4010, retail usage).

Pure functions from plain values to segment lists (``[tag, element, ...]``); envelopes
and control numbers are added by ``x12.write_interchange``. ``read_856`` turns a ship
notice back into packages and items, which is how the tests prove what we send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orderwell.channels.edi import x12
from orderwell.channels.edi.x12 import Group, TransactionSet, X12Error

Segments = list[list[str]]


def _clean(value: str) -> str:
    # A partner's bad data copied into AK4-04 must not carry our separators.
    return "".join(ch for ch in value if ch not in "*~>^\r\n")[:99]


def ack_997(group: Group, set_errors: dict[str, list[X12Error]], *, rejected: bool) -> Segments:
    """A 997 for one received group. ``set_errors``: errors by ST02; ``rejected``: nothing
    of the interchange was used (then even a set without errors of its own is refused)."""
    # Everything echoed comes from the partner's file, written with its own separators.
    segs: Segments = [["AK1", _clean(group.functional_id), _clean(group.control)]]
    accepted = 0
    for ts in group.sets:
        segs.append(["AK2", _clean(ts.set_id), _clean(ts.control)])
        errors = set_errors.get(ts.control, [])
        codes: list[str] = []
        for err in errors:
            if err.segment in (None, "SE"):  # trailer errors are AK5 codes
                codes.append(err.code)
                continue
            seg_code = x12.SEGMENT_HAS_ELEMENT_ERRORS if err.element else err.code
            segs.append(["AK3", _clean(err.segment or ""), str(err.position or ""), "", seg_code])
            if err.element:
                segs.append(["AK4", str(err.element), "", err.code, _clean(err.value or "")])
            codes.append(x12.SET_SEGMENTS_IN_ERROR)
        if rejected or errors:
            segs.append(["AK5", "R", *sorted(set(codes))[:5]])
        else:
            segs.append(["AK5", "A"])
            accepted += 1
    verdict = "A" if accepted == len(group.sets) else ("P" if accepted else "R")
    received = str(len(group.sets))
    segs.append(["AK9", verdict, received, received, str(accepted)])
    return segs


def _n2(amount: Decimal) -> str:
    """An X12 N2 amount: two implied decimals."""
    return str(int((amount * 100).to_integral_value()))


def _item_ids(sku: str, barcode: str | None, ids: dict[str, str]) -> list[str]:
    """The ids the partner sent for the line (echoed back), else our SKU and barcode."""
    pairs = list(ids.items())[:5] or [("VN", sku)] + ([("UP", barcode)] if barcode else [])
    return [x for pair in pairs for x in pair]


@dataclass(frozen=True, slots=True)
class LineAck:
    po_line: str
    sku: str
    ordered: int
    uom: str
    price: str
    ids: dict[str, str]
    accepted: int
    backordered: int
    rejected: int


def ack_855(po_number: str, po_date: str, today: str, lines: Sequence[LineAck]) -> Segments:
    """855: every PO line with how many units we accept (IA), backorder (IB), reject (IR)."""
    changed = any(ln.backordered or ln.rejected for ln in lines)
    ack_type = "AC" if changed else "AD"  # with changes / without
    segs: Segments = [["BAK", "00", ack_type, po_number, po_date, "", "", "", today]]
    for ln in lines:
        segs.append(
            [
                "PO1",
                ln.po_line,
                str(ln.ordered),
                ln.uom,
                ln.price,
                "",
                *_item_ids(ln.sku, None, ln.ids),
            ]
        )
        for code, qty in (("IA", ln.accepted), ("IB", ln.backordered), ("IR", ln.rejected)):
            if qty:
                segs.append(["ACK", code, str(qty), ln.uom])
    segs.append(["CTT", str(len(lines)), str(sum(ln.ordered for ln in lines))])
    return segs


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str

    def segments(self, qualifier: str) -> Segments:
        segs = [["N1", qualifier, self.name], ["N3", self.line1, self.line2 or ""]]
        segs.append(["N4", self.city, self.region or "", self.postal_code or "", self.country])
        return segs


@dataclass(frozen=True, slots=True)
class PackedItem:
    po_line: str
    sku: str
    barcode: str | None
    quantity: int
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Package:
    sscc: str
    weight_g: int
    items: tuple[PackedItem, ...]


@dataclass(frozen=True, slots=True)
class ShipNotice:
    shipment_ref: str
    ship_date: str  # CCYYMMDD
    time: str  # HHMM
    carrier: str
    tracking_number: str
    po_number: str
    po_date: str
    ship_to: Address
    packages: tuple[Package, ...]


def ship_notice_856(n: ShipNotice) -> Segments:
    """856 in the standard pick/pack structure: Shipment > Order > Pack (SSCC) > Item."""
    weight_kg = Decimal(sum(p.weight_g for p in n.packages)) / 1000
    segs: Segments = [
        ["BSN", "00", n.shipment_ref, n.ship_date, n.time, "0001"],
        ["HL", "1", "", "S"],
        ["TD1", "CTN25", str(len(n.packages)), "", "", "", "G", f"{weight_kg:.3f}", "KG"],
        ["TD5", "", "2", n.carrier],
        ["REF", "CN", n.tracking_number],
        ["DTM", "011", n.ship_date],
        *n.ship_to.segments("ST"),
        ["HL", "2", "1", "O"],
        ["PRF", n.po_number, "", "", n.po_date],
    ]
    hl = 2
    for package in n.packages:
        hl += 1
        pack_hl = hl
        segs += [["HL", str(pack_hl), "2", "P"], ["MAN", "GM", package.sscc]]
        for item in package.items:
            hl += 1
            ids = _item_ids(item.sku, item.barcode, item.ids)
            segs += [["HL", str(hl), str(pack_hl), "I"], ["LIN", item.po_line, *ids]]
            segs.append(["SN1", item.po_line, str(item.quantity), "EA"])
    segs.append(["CTT", str(hl)])
    return segs


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    po_line: str
    sku: str
    barcode: str | None
    quantity: int
    unit_price: Decimal
    discount: Decimal
    ids: dict[str, str] = field(default_factory=dict)


def invoice_810(
    invoice_number: str,
    today: str,
    po_number: str,
    po_date: str,
    currency: str,
    ship_to: Address,
    lines: Sequence[InvoiceLine],
    shipping: Decimal,
    total: Decimal,
) -> Segments:
    """810: the units shipped, at the PO's prices, less line allowances, plus shipping."""
    segs: Segments = [["BIG", today, invoice_number, po_date, po_number], ["CUR", "SE", currency]]
    segs += ship_to.segments("ST")
    for ln in lines:
        ids = _item_ids(ln.sku, ln.barcode, ln.ids)
        segs.append(["IT1", ln.po_line, str(ln.quantity), "EA", f"{ln.unit_price}", "", *ids])
        if ln.discount:
            segs.append(["SAC", "A", "C310", "", "", _n2(ln.discount)])
    segs.append(["TDS", _n2(total)])
    if shipping:
        segs.append(["SAC", "C", "D240", "", "", _n2(shipping)])
    segs.append(["CTT", str(len(lines))])
    return segs


@dataclass(slots=True)
class ReadNotice:
    po_number: str
    tracking_number: str
    # SSCC -> [(item id, quantity)]; "" for items of an 856 without pack levels
    packages: dict[str, list[tuple[str, int]]]


def read_856(ts: TransactionSet) -> ReadNotice:
    """The packages of an 856 (pick/pack structure), each with its items' first id."""
    notice = ReadNotice("", "", {})
    current: list[tuple[str, int]] | None = None
    item_id = ""
    for seg in ts.segments:
        if seg.tag == "PRF":
            notice.po_number = seg.get(1)
        elif seg.tag == "REF" and seg.get(1) == "CN":
            notice.tracking_number = seg.get(2)
        elif seg.tag == "MAN" and seg.get(1) == "GM":
            current = notice.packages.setdefault(seg.get(2), [])
        elif seg.tag == "LIN":
            item_id = seg.get(3)
        elif seg.tag == "SN1":
            if current is None:  # the "standard" structure has no pack level
                current = notice.packages.setdefault("", [])
            current.append((item_id, int(seg.get(2))))
    return notice
