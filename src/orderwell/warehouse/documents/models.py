"""What each printed document needs, as plain values.

Renderers take these and nothing else -- no database rows, no services -- so a document
can be rendered in a test, a preview in the console, or a worker, from the same input.
Weights are grams and lengths millimetres, as everywhere in Orderwell; documents format
them for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from orderwell.domain.addresses import AddressParts, address_lines, locality_line
from orderwell.warehouse.wave_planning import PickList


@dataclass(frozen=True, slots=True)
class PostalAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    line2: str = ""
    region: str = ""  # state / province code
    phone: str = ""

    def lines(self) -> list[str]:
        """Address block lines as the destination's post reads them (domain/addresses)."""
        return address_lines(self.parts())

    def locality(self) -> str:
        """Postcode, city and region on one line, in the destination's order."""
        return locality_line(self.parts())

    def parts(self) -> AddressParts:
        return AddressParts(
            name=self.name,
            line1=self.line1,
            city=self.city,
            postal_code=self.postal_code,
            country=self.country,
            company=self.company,
            line2=self.line2,
            region=self.region,
        )


# --- pick list --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickListRow:
    bin_code: str
    sku: str
    name: str
    quantity: int
    tote: str
    order_number: str


@dataclass(frozen=True, slots=True)
class PickListDoc:
    wave_code: str
    warehouse_code: str
    picker: str  # "Picker 2" or a person's name
    printed_at: datetime
    rows: tuple[PickListRow, ...]  # already in walk order
    totes: tuple[tuple[str, str], ...]  # (tote, order number)
    cutoff: datetime | None = None

    @property
    def units(self) -> int:
        return sum(row.quantity for row in self.rows)

    @classmethod
    def from_pick_list(
        cls,
        pick_list: PickList,
        *,
        warehouse_code: str,
        printed_at: datetime,
        product_names: Mapping[str, str],
        picker: str | None = None,
        cutoff: datetime | None = None,
    ) -> PickListDoc:
        """The printable form of a planned pick list; names come from the catalog."""
        rows = tuple(
            PickListRow(
                p.bin_code, p.sku, product_names.get(p.sku, ""), p.quantity, p.tote, p.order_number
            )
            for p in pick_list.picks
        )
        return cls(
            pick_list.wave_code,
            warehouse_code,
            picker or f"Picker {pick_list.picker}",
            printed_at,
            rows,
            pick_list.totes,
            cutoff,
        )


# --- packing slip ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackingSlipLine:
    sku: str
    name: str
    ordered: int
    in_this_package: int
    shipped_before: int = 0

    @property
    def still_to_come(self) -> int:
        return max(0, self.ordered - self.shipped_before - self.in_this_package)


@dataclass(frozen=True, slots=True)
class PackingSlipDoc:
    store_name: str
    order_number: str
    order_date: date
    ship_to: PostalAddress
    ship_from: PostalAddress
    lines: tuple[PackingSlipLine, ...]
    package_label: str = "Package 1 of 1"
    shipping_method: str = ""
    note: str = ""
    returns_text: str = "To return an item, visit our website or contact us within 30 days."


# --- shipping label -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelDoc:
    ship_from: PostalAddress
    ship_to: PostalAddress
    carrier_name: str
    service_name: str
    tracking_number: str
    sscc: str  # 18 digits, without the (00)
    weight_g: int
    ship_date: date
    order_number: str
    package_label: str = "1 of 1"
    service_badge: str = ""  # one or two characters printed large, e.g. "1" for overnight
    reference: str = ""


# --- end-of-day manifest -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestLine:
    carrier_code: str
    service_name: str
    tracking_number: str
    order_number: str
    recipient_name: str
    city: str
    postal_code: str
    country: str
    weight_g: int
    sscc: str = ""
    region: str = ""

    def destination(self) -> str:
        """Where the parcel goes, as the destination's post writes it: "10117 BERLIN DE"."""
        parts = AddressParts(
            self.recipient_name, "", self.city, self.postal_code, self.country, region=self.region
        )
        return f"{locality_line(parts)} {self.country}"


@dataclass(frozen=True, slots=True)
class ManifestDoc:
    manifest_id: str
    carrier_code: str
    carrier_name: str
    account_number: str
    ship_date: date
    ship_from: PostalAddress
    lines: tuple[ManifestLine, ...] = field(default_factory=tuple)

    @property
    def total_weight_g(self) -> int:
        return sum(line.weight_g for line in self.lines)
