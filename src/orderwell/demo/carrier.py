"""The demo's carrier: the scans a parcel collects on its way, sent back as tracking events.

Each shipment handed over gets a journey planned from its label's expected delivery
date: picked up at the dock, out of the origin hub that night, into the delivery hub,
out for delivery and delivered. Most arrive on the promised day; some a day or two
late without a word, some after a "delayed" scan, a failed delivery attempt or an
exception (an address problem). Each scan is ingested at the moment it happens through
``warehouse/carrier_scans.py``, exactly as a carrier's webhook would deliver it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from orderwell.demo.floor import Shipped
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.calendar import next_business_day
from orderwell.warehouse.carriers.scan_formats import TrackingEvent, make_event

CARRIER = "table"
_HUBS = {"BER1": "Berlin-Spandau hub", "AMS1": "Amsterdam-Westpoort hub", "WAW1": "Warszawa hub"}
_DELIVERED = (
    "Delivered, front door",
    "Delivered to neighbour",
    "Delivered to parcel locker",
    "Delivered, handed to recipient",
)


class Scheduler(Protocol):
    def schedule(self, at: datetime, kind: str, payload: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivered:
    order_id: int
    shipment_id: int
    at: datetime
    late: bool


@dataclass(slots=True)
class CarrierNetwork:
    db: Database
    rng: random.Random
    sim: Scheduler
    on_delivered: Callable[[Delivered], None]
    # Shipments handed over and not delivered yet, by id (the showcase delivers one).
    in_transit: dict[int, Shipped] = field(default_factory=dict)
    # Scans waiting for the hourly feed that reports them: feed time -> (order, scan, late).
    _feed: dict[datetime, list[tuple[int, TrackingEvent, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    on_time: int = 0
    late: int = 0
    exceptions: int = 0

    def on_shipped(self, s: Shipped) -> None:
        """Plan the parcel's scans and queue each for the moment it happens."""
        self.in_transit[s.shipment_id] = s
        with self.db.read() as conn:
            city = get_order(conn, s.order_id, self.db.numbers)["shipping_address"]["city"]
        rng, tz = self.rng, s.at.tzinfo
        scans: list[tuple[datetime, str, str, str | None]] = []

        def at(day: date, start: float, end: float) -> datetime:
            return datetime.combine(day, time(0), tzinfo=tz) + timedelta(
                hours=rng.uniform(start, end)
            )

        scans.append(
            (s.at + timedelta(minutes=rng.uniform(10, 40)), "PU", "Picked up by driver", None)
        )
        scans.append((at(s.at.date(), 21, 23.5), "DP", "Departed facility", _HUBS[s.warehouse]))
        expected: date = s.expected_delivery
        day, late = expected, False
        roll = rng.random()
        if roll < 0.88:
            self.on_time += 1
        elif roll < 0.93:  # a day late, nobody says why
            day, late = next_business_day(expected), True
        elif roll < 0.965:
            scans.append((at(expected, 6, 9), "DY", "Delayed: high volume at the hub", city))
            day, late = self._later(expected, rng.randint(1, 2)), True
        elif roll < 0.985:
            scans.append((at(expected, 9, 15), "attempted_delivery", "No one available", city))
            day, late = next_business_day(expected), True
        else:
            scans.append((at(expected, 8, 12), "DE", "Address problem: customer contacted", city))
            day, late = self._later(expected, rng.randint(2, 3)), True
            self.exceptions += 1
        self.late += late
        arrive = max(at(day - timedelta(days=1), 22, 23.9), scans[1][0] + timedelta(hours=2))
        scans.append((arrive, "AR", "Arrived at delivery hub", city))
        scans.append((at(day, 7, 9.5), "OD", "Out for delivery", city))
        scans.append((at(day, 10, 18.5), "DL", rng.choice(_DELIVERED), city))
        scans.sort(key=lambda scan: scan[0])
        for when, raw, text, place in scans:
            event = make_event(s.tracking_number, CARRIER, when, raw, text, place)
            feed = when.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            if feed not in self._feed:
                self.sim.schedule(feed, "track", feed)
            self._feed[feed].append((s.order_id, event, late))

    @staticmethod
    def _later(day: date, business_days: int) -> date:
        for _ in range(business_days):
            day = next_business_day(day)
        return day

    def deliver_now(self, s: Shipped, at: datetime) -> None:
        """Out for delivery and delivered by ``at`` (the showcase's express parcel)."""
        scans = [
            (
                s.order_id,
                make_event(s.tracking_number, CARRIER, at - timedelta(minutes=m), raw, text, None),
                False,
            )
            for m, raw, text in ((40, "OD", "Out for delivery"), (5, "DL", _DELIVERED[0]))
        ]
        self._ingest(at, scans)

    def on_track(self, at: datetime, feed: datetime) -> None:
        """The carrier's hourly feed: every scan made in the past hour, in one batch."""
        self._ingest(at, self._feed.pop(feed))

    def _ingest(self, at: datetime, scans: list[tuple[int, TrackingEvent, bool]]) -> None:
        got = ingest_events(
            self.db, [e for _o, e, _l in scans], source="webhook", actor=f"carrier:{CARRIER}"
        )
        about = {e.tracking_code: (order_id, late) for order_id, e, late in scans}
        for shipment_id in got.delivered_shipments:
            s = self.in_transit.pop(shipment_id)
            order_id, late = about[s.tracking_number]
            self.on_delivered(Delivered(order_id, shipment_id, at, late))
