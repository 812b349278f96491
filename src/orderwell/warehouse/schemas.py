"""The answers of the warehouse API: waves, pick lists, packing, shipments, manifests,
carrier tracking (TypedDicts: see http/answers.py). Service results that already are
dataclasses (a released wave, a pick, a bought label...) are named as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.http.answers import Money, closed
from orderwell.warehouse.box_fitting import Box
from orderwell.warehouse.carriers.exchange import Conversion
from orderwell.warehouse.waves import ReleasedWave


@closed
@dataclass(frozen=True, slots=True)
class RateConversion:
    """The carrier's price in its own currency and the rate that made a label's amount
    (``LabelBought.conversion``, the ``order.label_created`` event's ``conversion``)."""

    original_amount: str
    original_currency: str
    rate: str  # one unit of original_currency in the order's currency
    rates_as_of: str | None  # the date of the rate table used

    @classmethod
    def of(cls, conversion: Conversion) -> RateConversion:
        as_of = conversion.as_of.isoformat() if conversion.as_of else None
        return cls(
            str(conversion.original_amount),
            conversion.original_currency,
            str(conversion.rate),
            as_of,
        )


@closed
class Wave(TypedDict):
    id: int
    code: str
    warehouse: str
    status: str
    single_line: bool
    orders: int
    units: int
    earliest_cutoff: datetime | None
    released_at: datetime
    released_by: str
    done_at: datetime | None


@closed
class Tote(TypedDict):
    tote: str
    order_number: str


@closed
class PickListSummary(TypedDict):
    id: int
    picker_no: int
    status: str
    units: int
    totes: list[Tote]


@closed
class WaveDetail(Wave):
    pick_lists: list[PickListSummary]


@closed
class WaveList(TypedDict):
    items: list[Wave]


@closed
class WavesReleased(TypedDict):
    waves: Annotated[list[ReleasedWave], Field(description="empty when nothing was releasable")]


@closed
class Pick(TypedDict):
    id: int
    seq: int
    bin: str
    walk_sequence: int
    sku: str
    tote: str
    order_number: str
    expected: int
    picked: int
    short: int
    short_reason: str | None
    status: str
    picked_by: str | None
    picked_at: datetime | None


@closed
class PickList(TypedDict):
    id: int
    wave: str
    picker_no: int
    status: str
    units: int
    totes: list[Tote]
    picks: Annotated[list[Pick], Field(description="in walk order")]


@closed
class PickingAccuracy(TypedDict):
    picks: int
    correct_picks: int
    short_picks: int
    refused_scans: int
    picking_accuracy: Annotated[float | None, Field(description="0..1; null without picks")]
    first_scan_accuracy: float | None


@closed
class BoxList(TypedDict):
    items: list[Box]


@closed
class PackageOpened(TypedDict):
    package_id: int


@closed
class PackageContents(TypedDict):
    package_id: int
    items: Annotated[dict[str, int], Field(description="SKU -> units in the package")]


@closed
class PackageClosed(TypedDict):
    package_id: int
    package_no: int
    status: str


@closed
class Service(TypedDict):
    code: str
    name: str | None


@closed
class Rate(TypedDict):
    amount: Money
    currency: str


@closed
class ShipmentLine(TypedDict):
    sku: str
    quantity: int


@closed
class Package(TypedDict):
    id: int
    package_no: int
    box: str
    status: str
    weight_g: int | None
    dimensions_mm: Annotated[list[int], Field(description="length, width, height")]
    sscc: str | None
    items: Annotated[dict[str, int], Field(description="SKU -> units")]


@closed
class TrackingEvent(TypedDict):
    status: str
    raw_status: str
    description: str
    location: str | None
    occurred_at: datetime
    source: str


@closed
class Shipment(TypedDict):
    id: int
    order_number: str
    warehouse: str
    status: str
    carrier: str | None
    service: Service | None
    rate: Rate | None
    rate_reason: str | None
    meets_promise: bool | None
    promised_date: date | None
    ship_date: date | None
    expected_delivery_date: date | None
    tracking_number: str | None
    tracking_status: str | None
    manifest: str | None
    lines: list[ShipmentLine]
    packages: list[Package]
    tracking: Annotated[list[TrackingEvent], Field(description="in the order they happened")]
    created_at: datetime
    packed_at: datetime | None
    label_created_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


@closed
class ShipmentList(TypedDict):
    items: list[Shipment]


@closed
class ManifestClosed(TypedDict):
    id: int
    pdf: str
    csv: str


# Documents: what a printer takes, described as such in /openapi.json.
def document(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    schema = (
        {"type": "string", "format": "binary"}
        if media_type == "application/pdf"
        else {"type": "string"}
    )
    return {200: {"content": {media_type: {"schema": schema}}, "description": description}}


# Request bodies of the carrier tracking routes, which parse their bodies themselves
# (a CSV upload is not JSON); named here so /openapi.json documents them.
class BulkTrackingEvent(TypedDict):
    """One carrier event of ``POST /tracking/events`` (members as the CSV's columns);
    other members are ignored."""

    tracking_number: Annotated[str, Field(examples=["1Z999AA10123456784"])]
    status: Annotated[str, Field(description="the carrier's status word", examples=["delivered"])]
    occurred_at: Annotated[
        str, Field(description="ISO 8601 with offset", examples=["2024-03-05T09:00:00+01:00"])
    ]
    location: NotRequired[str | None]
    description: NotRequired[str | None]
    carrier: NotRequired[Annotated[str, Field(description="overrides carrier= for this event")]]


TRACKING_CSV = {
    "type": "string",
    "description": "UTF-8 CSV with a header row: tracking_number,status,occurred_at,location,"
    "description and optionally carrier",
    "examples": [
        "tracking_number,status,occurred_at,location,description\n"
        "1Z999AA10123456784,delivered,2024-03-05T09:00:00+01:00,Berlin,Left at door\n"
    ],
}


class EasyPostTrackingDetail(TypedDict):
    status: str
    datetime: Annotated[str, Field(description="ISO 8601")]
    message: NotRequired[str | None]


class EasyPostTracker(TypedDict):
    object: Annotated[str, Field(examples=["Tracker"])]
    tracking_code: str
    carrier: NotRequired[str | None]
    tracking_details: NotRequired[list[EasyPostTrackingDetail]]


class EasyPostEvent(TypedDict):
    """An EasyPost ``tracker.created`` / ``tracker.updated`` event, as EasyPost sends it
    (other members are ignored)."""

    description: Annotated[str, Field(examples=["tracker.updated"])]
    result: EasyPostTracker
