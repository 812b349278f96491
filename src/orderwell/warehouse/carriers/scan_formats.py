"""Tracking events from carriers, in one vocabulary.

Carriers and aggregators each speak their own status language ("pre_transit", "OD",
"Out For Delivery Today", "Delivery attempted - no access"). Orderwell's timeline,
customer messages and on-time KPIs need one small set of statuses, so everything that
comes in is normalised to :class:`TrackingStatus`; what we could not place becomes
``unknown`` with the carrier's words kept in ``raw_status`` for a person to read.

Webhooks are delivered at least once, and an EasyPost ``tracker.updated`` body repeats
the tracker's whole history every time. Each event therefore carries an ``event_key``,
a hash of what identifies the scan (carrier, tracking code, instant, raw status,
location, description), so storing events keyed on it makes repeats harmless.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from orderwell.domain.errors import InvalidInput
from orderwell.domain.statuses import TrackingStatus

S = TrackingStatus

# Exact codes (lower-cased, spaces and hyphens as underscores): EasyPost statuses and
# status details, FedEx scan codes, UPS activity types, and our own canonical names.
_EXACT: dict[str, TrackingStatus] = {
    **{status.value: status for status in TrackingStatus if status is not S.UNKNOWN},
    "pre_transit": S.LABEL_CREATED,
    "label_printed": S.LABEL_CREATED,
    "oc": S.LABEL_CREATED,
    "m": S.LABEL_CREATED,
    "manifest": S.LABEL_CREATED,
    "package_accepted": S.PICKED_UP,
    "pu": S.PICKED_UP,
    "p": S.PICKED_UP,
    "accepted": S.PICKED_UP,
    "transit": S.IN_TRANSIT,
    "arrived_at_facility": S.IN_TRANSIT,
    "departed_facility": S.IN_TRANSIT,
    "ar": S.IN_TRANSIT,
    "dp": S.IN_TRANSIT,
    "it": S.IN_TRANSIT,
    "i": S.IN_TRANSIT,
    "od": S.OUT_FOR_DELIVERY,
    "available_for_pickup": S.DELIVERY_ATTEMPTED,
    "arrived_at_pickup_location": S.DELIVERY_ATTEMPTED,
    "attempted_delivery": S.DELIVERY_ATTEMPTED,
    "weather_delay": S.DELAYED,
    "dy": S.DELAYED,
    "failure": S.EXCEPTION,
    "error": S.EXCEPTION,
    "cancelled": S.EXCEPTION,
    "damaged": S.EXCEPTION,
    "lost": S.EXCEPTION,
    "delivery_exception": S.EXCEPTION,
    "transit_exception": S.EXCEPTION,
    "address_correction": S.EXCEPTION,
    "de": S.EXCEPTION,
    "se": S.EXCEPTION,
    "x": S.EXCEPTION,
    "dl": S.DELIVERED,
    "d": S.DELIVERED,
    "return_to_sender": S.RETURNED_TO_SENDER,
    "rs": S.RETURNED_TO_SENDER,
    "rt": S.RETURNED_TO_SENDER,
}

# Free-text fallbacks, most specific first: "Delivery attempted" must not read as
# "delivered", and "Delayed in transit" is a delay, not just transit.
_KEYWORDS: tuple[tuple[re.Pattern[str], TrackingStatus], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), status)
    for pattern, status in (
        (r"return(ed|ing)? to (sender|shipper)", S.RETURNED_TO_SENDER),
        (
            r"attempt|no one available|notice left|available for pickup|held for pickup",
            S.DELIVERY_ATTEMPTED,
        ),
        (
            r"out for delivery|on (the )?vehicle for delivery|with delivery courier",
            S.OUT_FOR_DELIVERY,
        ),
        (r"\b(delay(ed)?|late|weather)\b", S.DELAYED),
        (
            r"exception|damaged|refused|undeliverable|not delivered|\blost\b|incorrect address|"
            r"address (problem|issue)|cancel",
            S.EXCEPTION,
        ),
        (r"^(package |shipment )?delivered\b|\bdelivered (to|at|,)|left at", S.DELIVERED),
        (r"picked up|pick-?up scan|origin scan|\baccept(ed|ance)\b|tendered", S.PICKED_UP),
        (
            r"label (created|printed)|information (sent|received)|pre-?transit|"
            r"awaiting item|order processed",
            S.LABEL_CREATED,
        ),
        (r"transit|arrived|departed|on the way|processed|facility|\bhub\b|sort", S.IN_TRANSIT),
    )
)

_GENERIC = {S.IN_TRANSIT, S.UNKNOWN}


def _one(text: str) -> TrackingStatus:
    code = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if code in _EXACT:
        return _EXACT[code]
    for pattern, status in _KEYWORDS:
        if pattern.search(text):
            return status
    return S.UNKNOWN


def normalise_status(*texts: str | None) -> TrackingStatus:
    """Canonical status from a carrier's status, then its detail, then its message.

    The first text that says something specific wins; plain "in transit" only stands
    when nothing more precise is said. That is how EasyPost's ``in_transit`` detail
    whose message reads "Picked up" becomes ``picked_up``.
    """
    fallback = S.UNKNOWN
    for text in texts:
        if not text:
            continue
        status = _one(text)
        if status not in _GENERIC:
            return status
        if status is S.IN_TRANSIT:
            fallback = status
    return fallback


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    tracking_code: str
    carrier: str
    status: TrackingStatus
    occurred_at: datetime
    location: str | None
    description: str
    raw_status: str
    event_key: str


def event_key(
    carrier: str,
    tracking_code: str,
    occurred_at: datetime,
    raw_status: str,
    location: str | None,
    description: str,
) -> str:
    """Stable identity of one scan, the same however many times it is delivered."""
    parts = (
        carrier.strip().lower(),
        tracking_code.strip().upper(),
        occurred_at.astimezone(UTC).isoformat(),
        raw_status.strip().lower(),
        (location or "").strip().lower(),
        description.strip(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def make_event(
    tracking_code: str,
    carrier: str,
    occurred_at: datetime,
    raw_status: str,
    description: str = "",
    location: str | None = None,
    *,
    detail: str | None = None,
) -> TrackingEvent:
    status = normalise_status(raw_status, detail, description)
    key = event_key(carrier, tracking_code, occurred_at, raw_status, location, description)
    return TrackingEvent(
        tracking_code, carrier, status, occurred_at, location, description, raw_status, key
    )


def parse_timestamp(value: Any, field: str, default_tz: tzinfo | None = None) -> datetime:
    """ISO 8601 instant; one without an offset is refused unless a default zone is given."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a timestamp is required", field=field)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"'{value}' is not an ISO 8601 timestamp", field=field) from None
    if parsed.tzinfo is None:
        if default_tz is None:
            raise InvalidInput(f"'{value}' has no time zone offset", field=field)
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def dedupe(events: Iterable[TrackingEvent], seen: set[str] | None = None) -> list[TrackingEvent]:
    """Events not seen before (by key), in time order; ``seen`` is updated in place."""
    seen = set() if seen is None else seen
    fresh = []
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.event_key not in seen:
            seen.add(event.event_key)
            fresh.append(event)
    return fresh


# --- EasyPost webhooks ------------------------------------------------------------------


def _format_location(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    city, state, zip_code, country = (
        str(raw.get(k) or "").strip() for k in ("city", "state", "zip", "country")
    )
    place = ", ".join(p for p in (city, " ".join(p for p in (state, zip_code) if p)) if p)
    return ", ".join(p for p in (place, country) if p) or None


def _load_json(body: str | bytes | Any) -> Any:
    if isinstance(body, str | bytes | bytearray):
        try:
            return json.loads(body)
        except ValueError as exc:
            raise InvalidInput(f"body is not JSON: {exc}", field="body") from None
    return body


def parse_easypost_tracker_updated(body: str | bytes | Mapping[str, Any]) -> list[TrackingEvent]:
    """Events from an EasyPost ``tracker.created``/``tracker.updated`` webhook body."""
    data = _load_json(body)
    if not isinstance(data, Mapping):
        raise InvalidInput("body must be a JSON object", field="body")
    if data.get("description") not in ("tracker.updated", "tracker.created"):
        raise InvalidInput(f"not a tracker event: {data.get('description')!r}", field="description")
    tracker = data.get("result")
    if not isinstance(tracker, Mapping) or tracker.get("object") != "Tracker":
        raise InvalidInput("result must be a Tracker object", field="result")
    code = tracker.get("tracking_code")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("tracking code is missing", field="result.tracking_code")
    carrier = str(tracker.get("carrier") or "unknown")
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise InvalidInput("must be a list", field="result.tracking_details")
    events = []
    for index, detail in enumerate(details):
        where = f"result.tracking_details.{index}"
        if not isinstance(detail, Mapping):
            raise InvalidInput("must be an object", field=where)
        raw_status = detail.get("status")
        if not isinstance(raw_status, str) or not raw_status:
            raise InvalidInput("status is missing", field=f"{where}.status")
        events.append(
            make_event(
                code,
                carrier,
                parse_timestamp(detail.get("datetime"), f"{where}.datetime"),
                raw_status,
                str(detail.get("message") or detail.get("description") or ""),
                _format_location(detail.get("tracking_location")),
                detail=detail.get("status_detail"),
            )
        )
    if not events and tracker.get("status"):
        # A new tracker may have no scans yet; its own status is still news.
        events.append(
            make_event(
                code,
                carrier,
                parse_timestamp(tracker.get("updated_at"), "result.updated_at"),
                str(tracker["status"]),
                "",
                None,
                detail=tracker.get("status_detail"),
            )
        )
    return sorted(events, key=lambda e: e.occurred_at)


# --- bulk uploads -------------------------------------------------------------------------

BULK_COLUMNS = ("tracking_number", "status", "occurred_at", "location", "description")
_REQUIRED = ("tracking_number", "status", "occurred_at")


def _bulk_row(
    row: Mapping[str, Any], carrier: str, where: str, label: str, default_tz: tzinfo | None
) -> TrackingEvent:
    values: dict[str, str] = {}
    for column in BULK_COLUMNS:
        value = row.get(column)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(
                f"{label}, column {column}: must be text", field=f"{where}.{column}", column=column
            )
        values[column] = (value or "").strip()
        if column in _REQUIRED and not values[column]:
            raise InvalidInput(
                f"{label}, column {column}: a value is required",
                field=f"{where}.{column}",
                column=column,
            )
    try:
        occurred_at = parse_timestamp(values["occurred_at"], f"{where}.occurred_at", default_tz)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{label}, column occurred_at: {exc.message}", field=exc.field, column="occurred_at"
        ) from None
    row_carrier = str(row.get("carrier") or carrier).strip()
    return make_event(
        values["tracking_number"].replace(" ", "").upper(),
        row_carrier,
        occurred_at,
        values["status"],
        values["description"],
        values["location"] or None,
    )


def parse_tracking_csv(
    text: str, *, carrier: str, default_tz: tzinfo | None = None
) -> list[TrackingEvent]:
    """Events from a CSV with columns tracking_number,status,occurred_at,location,description.

    An optional ``carrier`` column overrides the ``carrier`` argument per row. Rows are
    numbered as a spreadsheet shows them (the header is row 1), so "row 7" is findable.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        raise InvalidInput(f"CSV is missing column(s): {', '.join(missing)}", field="columns")
    events = []
    for offset, row in enumerate(reader):
        number = offset + 2
        if None in row:
            raise InvalidInput(
                f"row {number}: more values than columns", field=f"rows.{number}", row=number
            )
        if not any((v or "").strip() for v in row.values()):
            continue  # blank line at the end of an export
        try:
            events.append(_bulk_row(row, carrier, f"rows.{number}", f"row {number}", default_tz))
        except InvalidInput as exc:
            exc.data["row"] = number
            raise
    return events


def parse_tracking_json(
    body: str | bytes | Sequence[Mapping[str, Any]],
    *,
    carrier: str,
    default_tz: tzinfo | None = None,
) -> list[TrackingEvent]:
    """Events from a JSON list of objects with the same keys as the CSV columns."""
    data = _load_json(body)
    if not isinstance(data, list):
        raise InvalidInput("body must be a JSON list of events", field="body")
    events = []
    for index, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise InvalidInput(f"item {index}: must be an object", field=str(index), row=index)
        try:
            events.append(_bulk_row(item, carrier, str(index), f"item {index}", default_tz))
        except InvalidInput as exc:
            exc.data["row"] = index
            raise
    return events
