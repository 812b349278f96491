"""The carrier adapter interface and the built-in table-rate carrier."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers.adapter import (
    CarrierAdapter,
    ShipmentRequest,
    TableRateCarrier,
    default_adapters,
    pick_adapter,
)
from orderwell.warehouse.carriers.scan_formats import TrackingStatus
from orderwell.warehouse.carriers.services import Parcel, ShipPoint
from orderwell.warehouse.carriers.tracking_numbers import identify, is_valid
from tests.helpers import FIXTURES

EASYPOST = FIXTURES / "carrier-events" / "easypost-tracker-updated.json"
# Tuesday morning; Berlin to Munich is zone 7 (Ground 5 days, 2Day 2, Overnight 1).
REQUEST = ShipmentRequest(
    shipment_id=42,
    origin=ShipPoint("DE", "10115"),
    destination=ShipPoint("DE", "80331"),
    parcels=(Parcel(300, 200, 100, 1200),),
    now=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
    promised_delivery_date=date(2026, 3, 5),
)


def test_table_rate_carrier_is_an_adapter_and_buys_the_cheapest_on_time() -> None:
    carrier = TableRateCarrier()
    assert isinstance(carrier, CarrierAdapter)
    bought = carrier.buy_label(REQUEST)
    assert (bought.service_code, bought.meets_promise) == ("TBL_2DAY", True)
    assert bought.expected_delivery_date == date(2026, 3, 5)
    assert "TBL_GROUND" in bought.reason and "TBL_OVERNIGHT" in bought.reason
    assert bought.tracking_number.startswith("1Z0W1A2302")  # account 0W1A23, 2nd Day service
    assert [f.format_id for f in identify(bought.tracking_number)] == ["ups"]


def test_usps_format_and_forced_service() -> None:
    carrier = TableRateCarrier(tracking_format="usps_impb")
    bought = carrier.buy_label(
        ShipmentRequest(
            REQUEST.shipment_id,
            REQUEST.origin,
            REQUEST.destination,
            REQUEST.parcels,
            REQUEST.now,
            REQUEST.promised_delivery_date,
            service_code="TBL_GROUND",
        )
    )
    assert bought.service_code == "TBL_GROUND" and not bought.meets_promise
    assert len(bought.tracking_number) == 22 and is_valid(bought.tracking_number, carrier="usps")
    with pytest.raises(InvalidInput) as err:
        carrier.rate(
            ShipmentRequest(
                1,
                REQUEST.origin,
                REQUEST.destination,
                REQUEST.parcels,
                REQUEST.now,
                service_code="NOPE",
            )
        )
    assert err.value.field == "service_code"


def test_adapter_lookup_and_webhook_parsing() -> None:
    adapters = default_adapters()
    assert pick_adapter(adapters, None).code == "table"
    with pytest.raises(InvalidInput) as err:
        pick_adapter(adapters, "dhl")
    assert err.value.field == "carrier"
    events = adapters["table"].parse_tracking_webhook(EASYPOST.read_text())
    assert [e.status for e in events][:2] == [
        TrackingStatus.LABEL_CREATED,
        TrackingStatus.PICKED_UP,
    ]
