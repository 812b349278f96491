"""What the tracking page tells besides the story: in which time zone, by when, and where
the carrier tracks the parcel.

* The customer's time zone is the delivery country's when the country keeps one clock
  (Germany, Poland...: IANA's ``zone.tab``, shipped in the ``tzdata`` package); in a
  country of several (the US) it cannot be told from the address, and the shop's zone
  (``ORDERWELL_SHOP_TIME_ZONE``) is used. The page names the zone either way.
* The carrier's tracking link comes from the carrier's URL template, or from the format
  of the tracking number when the carrier (the built-in table-rate carrier) has none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput
from orderwell.store.tables_fulfilment import shipments
from orderwell.warehouse.carriers.tracking_numbers import identify, normalise
from orderwell.warehouse.carriers.tracking_numbers import tracking_url as carrier_url


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone, *_ = line.split("\t")
            zones.setdefault(country, []).append(zone)
    return {country: tuple(names) for country, names in zones.items()}


@cache
def country_zone(country: str) -> ZoneInfo | None:
    """The one clock a country keeps, or None when its zones differ (or it is unknown).

    Zones that keep the same time all year (Germany's Berlin and Büsingen) count as one.
    """
    names = _zones_by_country().get(country.upper(), ())
    if not names:
        return None
    zones = [ZoneInfo(n) for n in names]
    year = datetime.now(UTC).year
    probes = [datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC)]
    offsets = {tuple(p.astimezone(z).utcoffset() for p in probes) for z in zones}
    return zones[0] if len(offsets) == 1 else None


def page_zone(country: str, shop_zone: str) -> ZoneInfo:
    """The customer's zone when the delivery country tells it, else the shop's."""
    return country_zone(country) or ZoneInfo(shop_zone)


def local_time(at: datetime, zone: ZoneInfo) -> str:
    """'03 Mar 2026, 11:00 CET (Europe/Berlin)': the zone named, not just an offset."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    here = moment.astimezone(zone)
    return f"{here:%d %b %Y, %H:%M} {here.tzname()} ({zone.key})"


def carrier_link(number: str, carrier: str | None) -> str | None:
    """The carrier's public tracking page for the number, when one is known."""
    try:
        url = carrier_url(number, carrier or "")
    except InvalidInput:
        url = None
    if url:
        return url
    formats = identify(number)
    return formats[0].tracking_url % normalise(number) if formats else None


def parcels(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The order's labelled shipments: carrier, number, its link and expected delivery."""
    rows = conn.execute(
        sa.select(
            shipments.c.tracking_number,
            shipments.c.carrier_code,
            shipments.c.service_name,
            shipments.c.expected_delivery_date,
            shipments.c.delivered_at,
        )
        .where(shipments.c.order_id == order_id, shipments.c.tracking_number.is_not(None))
        .order_by(shipments.c.id)
    ).all()
    return [
        {
            "tracking_number": r.tracking_number,
            "service": r.service_name,
            "link": carrier_link(r.tracking_number, r.carrier_code),
            "expected": r.expected_delivery_date,
            "delivered": r.delivered_at is not None,
        }
        for r in rows
    ]
