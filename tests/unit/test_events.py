from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers import scan_formats as ev
from orderwell.warehouse.carriers.scan_formats import TrackingStatus as S
from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "carrier-events" / "easypost-tracker-updated.json"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("pre_transit",), S.LABEL_CREATED),
        (("Delivered",), S.DELIVERED),
        (("DL",), S.DELIVERED),
        (("out-for-delivery",), S.OUT_FOR_DELIVERY),
        (("Delivery attempted - no access",), S.DELIVERY_ATTEMPTED),
        (("available_for_pickup",), S.DELIVERY_ATTEMPTED),
        (("Delayed due to weather",), S.DELAYED),
        (("return_to_sender",), S.RETURNED_TO_SENDER),
        (("Returned to shipper",), S.RETURNED_TO_SENDER),
        (("failure",), S.EXCEPTION),
        (("Undeliverable as addressed",), S.EXCEPTION),
        (("Not delivered",), S.EXCEPTION),
        (("Package delivered to front porch",), S.DELIVERED),
        (("in_transit", "arrived_at_facility", "Picked up"), S.PICKED_UP),
        (("in_transit", "arrived_at_facility", "Arrived at FedEx location"), S.IN_TRANSIT),
        (("delivered", None, "Out for delivery"), S.DELIVERED),
        (("Zorblax scan",), S.UNKNOWN),
        ((None, ""), S.UNKNOWN),
    ],
)
def test_normalise_status(texts: tuple[str | None, ...], expected: S) -> None:
    assert ev.normalise_status(*texts) is expected


def test_easypost_fixture_parses_into_ordered_canonical_events() -> None:
    events = ev.parse_easypost_tracker_updated(FIXTURE.read_bytes())
    assert len(events) == 7
    assert [e.status for e in events[:3]] == [S.LABEL_CREATED, S.PICKED_UP, S.IN_TRANSIT]
    assert all(e.status is S.IN_TRANSIT for e in events[2:])
    first = events[0]
    assert first.tracking_code == "1" and first.carrier == "FedEx"
    assert first.occurred_at == datetime(2024, 7, 31, 15, 0, tzinfo=UTC)
    assert first.occurred_at.tzinfo is not None
    assert first.raw_status == "pre_transit"
    assert first.description == "Shipment information sent to FedEx"
    assert first.location == "32837, US"
    assert events[1].location == "ORLANDO, FL 32809, US"
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert len({e.event_key for e in events}) == 7


def test_repeated_delivery_of_the_webhook_dedupes() -> None:
    body = json.loads(FIXTURE.read_text())
    first = ev.parse_easypost_tracker_updated(body)
    seen: set[str] = set()
    assert len(ev.dedupe(first, seen)) == 7
    # The next webhook repeats the history and adds one scan.
    body["result"]["tracking_details"].append(
        {
            "object": "TrackingDetail",
            "message": "Delivered",
            "status": "delivered",
            "status_detail": "arrived_at_destination",
            "datetime": "2024-08-05T15:02:00Z",
            "tracking_location": {"city": "BROOKLYN", "state": "NY", "country": "US", "zip": None},
        }
    )
    again = ev.parse_easypost_tracker_updated(json.dumps(body))
    fresh = ev.dedupe(again, seen)
    assert [e.status for e in fresh] == [S.DELIVERED]
    assert fresh[0].location == "BROOKLYN, NY, US"
    assert [e.event_key for e in again[:7]] == [e.event_key for e in first]


def test_event_key_ignores_timezone_representation() -> None:
    utc = datetime(2024, 8, 1, 12, tzinfo=UTC)
    est = utc.astimezone(timezone(timedelta(hours=-4)))
    assert ev.event_key("ups", "1z1", utc, "D", None, "x") == ev.event_key(
        "UPS", "1Z1", est, "d", None, "x"
    )


def test_tracker_without_details_yields_its_own_status() -> None:
    body = json.loads(FIXTURE.read_text())
    body["result"]["tracking_details"] = []
    (only,) = ev.parse_easypost_tracker_updated(body)
    assert only.status is S.IN_TRANSIT
    assert only.occurred_at == datetime(2024, 8, 2, 19, 26, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(description="shipment.purchased"), "description"),
        (lambda b: b["result"].update(object="Shipment"), "result"),
        (lambda b: b["result"].update(tracking_code=""), "result.tracking_code"),
        (
            lambda b: b["result"]["tracking_details"][2].update(datetime="yesterday"),
            "result.tracking_details.2.datetime",
        ),
        (
            lambda b: b["result"]["tracking_details"][1].update(datetime="2024-07-31T19:27:00"),
            "result.tracking_details.1.datetime",
        ),
        (
            lambda b: b["result"]["tracking_details"][0].pop("status"),
            "result.tracking_details.0.status",
        ),
    ],
)
def test_bad_webhooks_name_the_field(mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(FIXTURE.read_text())
    mutate(body)
    with pytest.raises(InvalidInput) as caught:
        ev.parse_easypost_tracker_updated(body)
    assert caught.value.field == field


def test_non_json_body() -> None:
    with pytest.raises(InvalidInput) as caught:
        ev.parse_easypost_tracker_updated(b"{nope")
    assert caught.value.field == "body"


CSV = """tracking_number,status,occurred_at,location,description
1Z5R89390357567127,Out for delivery,2024-08-05T08:10:00-04:00,"BROOKLYN, NY",On vehicle
1Z5R89390357567127,Delivered,2024-08-05T14:32:00-04:00,"BROOKLYN, NY",Front door

9400111206206406260787,Mystery code 77,2024-08-05T09:00:00Z,,
"""


def test_bulk_csv() -> None:
    events = ev.parse_tracking_csv(CSV, carrier="ups")
    assert [e.status for e in events] == [S.OUT_FOR_DELIVERY, S.DELIVERED, S.UNKNOWN]
    assert events[1].occurred_at == datetime(2024, 8, 5, 18, 32, tzinfo=UTC)
    assert events[2].raw_status == "Mystery code 77" and events[2].location is None


@pytest.mark.parametrize(
    ("row", "field", "row_number", "column"),
    [
        ("1Z1,Delivered,not-a-date,,", "rows.3.occurred_at", 3, "occurred_at"),
        ("1Z1,Delivered,2024-08-05T14:32:00,,", "rows.3.occurred_at", 3, "occurred_at"),
        ("1Z1,,2024-08-05T14:32:00Z,,", "rows.3.status", 3, "status"),
        (",Delivered,2024-08-05T14:32:00Z,,", "rows.3.tracking_number", 3, "tracking_number"),
    ],
)
def test_bad_csv_rows_name_row_and_column(
    row: str, field: str, row_number: int, column: str
) -> None:
    text = CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n" + row + "\n"
    with pytest.raises(InvalidInput) as caught:
        ev.parse_tracking_csv(text, carrier="ups")
    assert caught.value.field == field
    assert caught.value.data == {"row": row_number, "column": column}
    assert f"row {row_number}, column {column}" in caught.value.message


def test_csv_missing_columns_and_extra_values() -> None:
    with pytest.raises(InvalidInput) as caught:
        ev.parse_tracking_csv("tracking_number,status\n1Z1,Delivered\n", carrier="ups")
    assert caught.value.field == "columns"
    with pytest.raises(InvalidInput) as caught:
        ev.parse_tracking_csv(CSV.splitlines()[0] + "\n1,2,3,4,5,6\n", carrier="ups")
    assert caught.value.field == "rows.2"


def test_naive_times_accepted_with_default_zone() -> None:
    text = "tracking_number,status,occurred_at\n1z 1,Delivered,2024-08-05T14:32:00\n"
    (event,) = ev.parse_tracking_csv(text, carrier="ups", default_tz=UTC)
    assert event.occurred_at.tzinfo is UTC and event.tracking_code == "1Z1"


def test_bulk_json() -> None:
    items = [
        {
            "tracking_number": "986578788855",
            "status": "DL",
            "carrier": "fedex",
            "occurred_at": "2024-08-05T14:32:00Z",
            "location": None,
            "description": "",
        }
    ]
    (event,) = ev.parse_tracking_json(json.dumps(items), carrier="ups")
    assert event.status is S.DELIVERED and event.carrier == "fedex"
    with pytest.raises(InvalidInput) as caught:
        ev.parse_tracking_json([items[0], {"tracking_number": "1", "status": 5}], carrier="ups")
    assert caught.value.field == "1.status"
    with pytest.raises(InvalidInput) as caught:
        ev.parse_tracking_json({"a": 1}, carrier="ups")  # type: ignore[arg-type]
    assert caught.value.field == "body"
