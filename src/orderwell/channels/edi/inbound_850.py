"""An X12 4010 850 purchase order, read into the ``PlaceOrder`` every channel places.

What is read (retail/VICS usage): BEG (PO number and date), CUR, REF, DTM*002 (delivery
requested), TD5 (routing), the N1*ST loop with N2/N3/N4 (ship-to), PO1 lines with their
item ids, SAC and ITA allowances and charges, CTT (line count check). Anything else is
kept in the document's text and ignored.

Items: PO1 carries (qualifier, id) pairs from element 06 on. The vendor's number (VN, VP,
SK) is our SKU; a UPC/EAN/GTIN (UP, UK, UA, EN, EO) is a product's barcode; a buyer's
number (BP, IN, CB) is tried as a SKU last. The first pair that names a product wins.

Money: SAC05 and ITA07 are X12 "N2" amounts (two implied decimals: 1250 is 12.50) for the
line or, before the first PO1, for the whole order. A line allowance is that line's
discount; a header allowance is shared over the lines in proportion to their value; a
charge is added to shipping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pycountry
from pydantic import ValidationError

from orderwell.channels.edi import x12
from orderwell.channels.edi.x12 import Segment, TransactionSet, X12Error
from orderwell.domain.errors import InvalidInput
from orderwell.domain.statuses import PaymentStatus
from orderwell.orders.rules import PlaceOrder, price_order

SKU_QUALIFIERS = ("VN", "VP", "SK")
BARCODE_QUALIFIERS = ("UP", "UK", "UA", "EN", "EO")
BUYER_QUALIFIERS = ("BP", "IN", "CB")


@dataclass(frozen=True, slots=True)
class PartnerView:
    """What reading a PO needs to know about the partner who sent it."""

    code: str
    name: str
    email: str
    currency: str

    @property
    def channel(self) -> str:
        return f"edi-{self.code}"


@dataclass(frozen=True, slots=True)
class ItemIndex:
    """SKU -> active, and barcode -> SKU, for every id the file's PO1 segments name."""

    skus: dict[str, bool]
    barcodes: dict[str, str]

    def resolve(self, po1: Segment) -> tuple[str | None, int | None]:
        """(our SKU, element position of the id that named it)."""
        pairs = _id_pairs(po1)
        for qualifiers, table in (
            (SKU_QUALIFIERS, self.skus),
            (BARCODE_QUALIFIERS, self.barcodes),
            (BUYER_QUALIFIERS, self.skus),
        ):
            for pos, qualifier, value in pairs:
                if qualifier in qualifiers and value in table:
                    sku = value if table is self.skus else self.barcodes[value]
                    return sku, pos
        known = SKU_QUALIFIERS + BARCODE_QUALIFIERS + BUYER_QUALIFIERS
        named = sorted(pairs, key=lambda p: known.index(p[1]) if p[1] in known else len(known))
        return None, (named[0][0] if named else None)


@dataclass(slots=True)
class PurchaseOrder:
    ts: TransactionSet
    po_number: str
    po_date: str  # CCYYMMDD
    request: PlaceOrder
    lines: list[dict[str, Any]]  # what 855/856/810 echo back, one per PO1
    where: dict[str, tuple[Segment, int]]  # PlaceOrder field -> segment and element

    def locate(self, path: str, message: str) -> X12Error:
        error = locate(self.where, path, message)
        error.set_control = self.ts.control
        return error


def _id_pairs(po1: Segment) -> list[tuple[int, str, str]]:
    """(element position of the id, qualifier, id) for PO106/07, PO108/09..."""
    return [
        (n + 1, po1.get(n), po1.get(n + 1).strip())
        for n in range(6, len(po1.elements), 2)
        if po1.get(n) and po1.get(n + 1).strip()
    ]


def item_ids(ts: TransactionSet) -> set[str]:
    """Every item id a set names, for building the ItemIndex in one query."""
    return {v for s in ts.segments if s.tag == "PO1" for _, _, v in _id_pairs(s)}


def n2_amount(seg: Segment, n: int) -> Decimal:
    """An X12 N2 amount (two implied decimals); a value with a point is taken as written."""
    text = seg.get(n)
    try:
        if "." in text:
            return Decimal(text)
        if x12.is_count(text.removeprefix("-")):
            return Decimal(int(text)).scaleb(-2)
    except InvalidOperation:
        pass
    raise seg.error(n, f"'{text}' is not an amount")


def x12_date(seg: Segment, n: int) -> date:
    text = seg.get(n)
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise seg.error(n, f"'{text}' is not a CCYYMMDD date", x12.ELEMENT_INVALID_DATE) from None


def _country(seg: Segment) -> str:
    code = seg.get(4).strip().upper() or "US"
    if len(code) == 3 and (found := pycountry.countries.get(alpha_3=code)) is not None:
        return str(found.alpha_2)
    return code


class _Reader:
    def __init__(self, ts: TransactionSet, partner: PartnerView, items: ItemIndex) -> None:
        self.ts, self.partner, self.items = ts, partner, items
        self.errors: list[X12Error] = []
        self.where: dict[str, tuple[Segment, int]] = {}  # PlaceOrder field -> element

    def fail(self, error: X12Error) -> None:
        error.set_control = self.ts.control
        spot = (error.segment, error.position, error.element, error.code)
        if all((e.segment, e.position, e.element, e.code) != spot for e in self.errors):
            self.errors.append(error)  # one error per spot: a 997 names each once

    def read(self) -> PurchaseOrder | None:
        beg = self.ts.find("BEG")
        if beg is None:
            self.fail(X12Error("BEG is required", "BEG", code=x12.SEGMENT_MANDATORY_MISSING))
            return None
        po_number = beg.get(3).strip()
        if not po_number:
            self.fail(beg.error(3, "BEG03 (PO number) is required", x12.ELEMENT_MANDATORY_MISSING))
        placed = self._date(beg, 5)
        body: dict[str, Any] = {
            "channel": self.partner.channel,
            "external_id": po_number or None,
            "customer": {"email": self.partner.email, "name": self.partner.name},
            "currency": self.partner.currency,
            "payment_status": PaymentStatus.PENDING.value,
        }
        self.where["external_id"] = (beg, 3)
        if placed is not None:
            body["placed_at"] = datetime(placed.year, placed.month, placed.day, tzinfo=UTC)
        lines, header_allowance, charges, notes = self._walk(body)
        if not lines:
            self.fail(X12Error("an 850 needs at least one PO1", "PO1", code="3"))
        self._share(lines, header_allowance)
        body["lines"] = [line for line, _ in lines]
        body["shipping"] = str(charges)
        body["notes"] = "; ".join([f"EDI 850 PO {po_number}", *notes])[:2000]
        request = self._validate(body)
        if request is None or self.errors:
            return None
        echoes = [echo for _, echo in lines]
        return PurchaseOrder(self.ts, po_number, beg.get(5), request, echoes, self.where)

    def _date(self, seg: Segment, n: int) -> date | None:
        try:
            return x12_date(seg, n)
        except X12Error as exc:
            self.fail(exc)
            return None

    def _walk(
        self, body: dict[str, Any]
    ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], Decimal, Decimal, list[str]]:
        lines: list[tuple[dict[str, Any], dict[str, Any]]] = []
        header_allowance, charges, notes = Decimal(0), Decimal(0), []
        in_ship_to = False
        address: dict[str, Any] = {}
        for seg in self.ts.segments:
            if seg.tag == "N1":
                in_ship_to = seg.get(1) == "ST"
                if in_ship_to:
                    address["name"] = seg.get(2)
                    self.where["shipping_address.name"] = (seg, 2)
            elif in_ship_to and seg.tag == "N2":
                address["company"] = seg.get(1) or None
            elif in_ship_to and seg.tag == "N3":
                address["line1"], address["line2"] = seg.get(1), seg.get(2) or None
                self.where["shipping_address.line1"] = (seg, 1)
                self.where["shipping_address.line2"] = (seg, 2)
            elif in_ship_to and seg.tag == "N4":
                address.update(city=seg.get(1), region=seg.get(2) or None)
                address.update(postal_code=seg.get(3) or None, country=_country(seg))
                for n, name in enumerate(("city", "region", "postal_code", "country"), 1):
                    self.where[f"shipping_address.{name}"] = (seg, n)
            elif seg.tag == "PO1":
                in_ship_to = False
                if (got := self._line(seg, len(lines))) is not None:
                    lines.append(got)
            elif seg.tag in ("SAC", "ITA"):
                amount_at = 5 if seg.tag == "SAC" else 7
                if not seg.get(amount_at):
                    continue  # a percentage or a service without an amount: terms, not money
                try:
                    amount = n2_amount(seg, amount_at)
                except X12Error as exc:
                    self.fail(exc)
                    continue
                if seg.get(1) == "C":
                    charges += amount
                elif seg.get(1) == "A" and lines:
                    target = lines[-1][0]
                    target["discount"] = str(Decimal(target.get("discount", "0")) + amount)
                    self.where[f"lines.{len(lines) - 1}.discount"] = (seg, amount_at)
                elif seg.get(1) == "A":
                    header_allowance += amount
            elif seg.tag == "CUR" and seg.get(2):
                body["currency"] = seg.get(2)
                self.where["currency"] = (seg, 2)
            elif seg.tag == "DTM" and seg.get(1) == "002":
                if (when := self._date(seg, 2)) is not None:
                    body["requested_delivery_date"] = when
            elif seg.tag == "TD5" and seg.get(5):
                body["shipping_method"] = seg.get(5)[:40]
            elif seg.tag == "REF" and seg.get(2):
                notes.append(f"REF {seg.get(1)} {seg.get(2)}")
            elif seg.tag == "CTT":
                self._check_count(seg, len([s for s in self.ts.segments if s.tag == "PO1"]))
        if address:
            body["shipping_address"] = address
        else:
            self.fail(X12Error("a ship-to N1*ST loop is required", "N1", code="3"))
        return lines, header_allowance, charges, notes

    def _check_count(self, ctt: Segment, count: int) -> None:
        if ctt.get(1) != str(count):
            self.fail(ctt.error(1, f"CTT01 says {ctt.get(1)} lines, the PO has {count}"))

    def _line(self, po1: Segment, index: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
        sku, at = self.items.resolve(po1)
        if sku is None:
            ids = ", ".join(f"{q} {v}" for _, q, v in _id_pairs(po1)) or "no item id"
            self.fail(po1.error(at, f"no product matches {ids}", x12.ELEMENT_INVALID_CODE))
            return None
        if not self.items.skus.get(sku, False):
            self.fail(po1.error(at, f"product {sku} is not for sale", x12.ELEMENT_INVALID_CODE))
            return None
        quantity = po1.get(2)
        if not x12.is_count(quantity):
            self.fail(po1.error(2, f"quantity '{quantity}' is not a whole number"))
            return None
        for n, name in ((2, "quantity"), (4, "unit_price")):
            self.where[f"lines.{index}.{name}"] = (po1, n)
        self.where[f"lines.{index}.sku"] = (po1, at or 1)
        self.where[f"lines.{index}.discount"] = (po1, 4)
        line = {"sku": sku, "quantity": int(quantity), "unit_price": po1.get(4) or "0"}
        sent_ids = {q: v for _, q, v in _id_pairs(po1)}
        echo: dict[str, Any] = {
            "line": po1.get(1),
            "sku": sku,
            "qty": int(quantity),
            "uom": po1.get(3) or "EA",
        }
        echo |= {"price": po1.get(4) or "0", "ids": sent_ids}
        return line, echo

    def _share(self, lines: list[tuple[dict[str, Any], dict[str, Any]]], total: Decimal) -> None:
        """Spread a header allowance over the lines by value; the last takes the rounding."""
        if not total or not lines:
            return
        try:
            values = [Decimal(ln["unit_price"]) * ln["quantity"] for ln, _ in lines]
        except InvalidOperation:
            return  # the bad price is reported by validation
        whole = sum(values) or Decimal(1)
        left = total
        for i, (line, _) in enumerate(lines):
            share = left if i == len(lines) - 1 else (total * values[i] / whole)
            share = share.quantize(Decimal("0.01"), ROUND_HALF_UP)
            left -= share
            line["discount"] = str(Decimal(line.get("discount", "0")) + share)

    def _validate(self, body: dict[str, Any]) -> PlaceOrder | None:
        try:
            request = PlaceOrder.model_validate(body)
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(p) for p in err["loc"])
                self.fail(locate(self.where, path, f"{path}: {err['msg']}"))
            return None
        try:
            price_order(request)
        except InvalidInput as exc:
            self.fail(locate(self.where, exc.field or "", exc.message))
            return None
        return request


def locate(where: dict[str, tuple[Segment, int]], path: str, message: str) -> X12Error:
    """The segment and element a PlaceOrder field came from."""
    for size in (3, 2, 1):
        key = ".".join(path.split(".")[:size])
        if key in where:
            seg, n = where[key]
            return seg.error(n, message)
    if path.startswith("shipping_address"):
        return X12Error(message, "N1", code=x12.SEGMENT_MANDATORY_MISSING)
    return X12Error(message, "BEG", code=x12.SEGMENT_HAS_ELEMENT_ERRORS)


def read_850(
    ts: TransactionSet, partner: PartnerView, items: ItemIndex
) -> tuple[PurchaseOrder | None, list[X12Error]]:
    """The order an 850 asks for, or every error found in it (then no order)."""
    reader = _Reader(ts, partner, items)
    po = reader.read()
    return (po if not reader.errors else None), reader.errors
