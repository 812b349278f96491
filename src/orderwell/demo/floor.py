"""The demo's warehouse floor: pick waves, scanning, the pack bench and the carrier's truck.

Every business day each site releases a morning and a midday wave of whatever is
reserved there (``warehouse/waves.py``). Pickers walk their lists one pick at a time,
about a minute apart, and now and then scan the wrong bin or product (refused and
kept, so picking accuracy is honest) or find fewer units than the system expects (a
short pick: stock is corrected and the units re-sourced or backordered). An order whose
picks at a site are done goes to the pack bench, gets its boxes weighed and a label
bought, and is handed to the carrier at the afternoon collection of the label's ship
date. Everything goes through the public services, on the simulated clock.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from orderwell.demo.catalog import BUILDINGS
from orderwell.domain.errors import Conflict, InvalidInput, NothingToManifest
from orderwell.inventory.catalog import ProductIn
from orderwell.store.db import Database
from orderwell.warehouse.box_fitting import Box, suggest_box
from orderwell.warehouse.boxes import box_catalog
from orderwell.warehouse.carriers.adapter import CarrierAdapter, default_adapters
from orderwell.warehouse.labels import LabelIn, buy_label
from orderwell.warehouse.packages import (
    ClosePackage,
    ItemScan,
    PackageIn,
    close_package,
    close_shipment,
    open_package,
    scan_into_package,
)
from orderwell.warehouse.packing import StartPacking, start_packing
from orderwell.warehouse.picking import PickScan, ShortReason, confirm_pick
from orderwell.warehouse.queries import get_pick_list
from orderwell.warehouse.schemas import Pick
from orderwell.warehouse.shipping import ManifestIn, close_manifest, confirm_shipment
from orderwell.warehouse.waves import WaveRelease, release_waves

# Wave releases (UTC) on business days, and when the carrier's truck collects.
WAVE_TIMES = (time(7, 30), time(12, 30))
COLLECTION = time(17, 15)
MANIFEST_AT = time(18, 0)  # the day's manifest is closed after the truck has gone
_WRONG_SCAN = 0.012  # share of picks whose first scan is refused (wrong bin or product)
_SHORT_PICK = 0.006  # share of picks where fewer units are found than expected
_PICKERS = {"BER1": ("ana", "jonas", "mehmet", "lea"), "AMS1": ("sanne", "ruben"),
            "WAW1": ("kasia", "piotr")}  # fmt: skip


class Scheduler(Protocol):
    def schedule(self, at: datetime, kind: str, payload: Any) -> None: ...


@dataclass(slots=True)
class Shipped:
    """A shipment handed to the carrier, for the tracking simulation and after-sale."""

    shipment_id: int
    order_id: int
    warehouse: str
    tracking_number: str
    expected_delivery: Any  # date
    at: datetime


@dataclass(frozen=True, slots=True)
class PickTask:
    """One pick of a released pick list, and who walks it."""

    site: str
    list_id: int
    pick: Pick  # as ``warehouse.queries.get_pick_list`` lists it
    order_id: int
    picker: str


@dataclass(frozen=True, slots=True)
class Handover:
    """A labelled shipment waiting at the dock for the carrier."""

    site: str
    shipment_id: int
    order_id: int
    tracking_number: str
    expected_delivery: Any  # date


@dataclass(slots=True)
class WarehouseFloor:
    db: Database
    rng: random.Random
    sim: Scheduler
    products: dict[str, ProductIn]
    slots: dict[str, dict[str, str]]  # warehouse -> SKU -> bin code
    on_shipped: Callable[[Shipped], None]
    waved: set[int] = field(default_factory=set)  # orders that ever had a pick wave
    _open: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    picks_done: int = 0
    refused_scans: int = 0
    short_picks: int = 0
    _box_cache: dict[str, Box] = field(default_factory=dict)
    # Loaded once: each service would otherwise read the carriers' rate tables per call.
    _adapters: dict[str, CarrierAdapter] = field(default_factory=default_adapters)
    _manifested: set[tuple[str, date]] = field(default_factory=set)  # (site, day) planned

    def schedule_waves(self, start: datetime, end: datetime) -> None:
        """Queue every wave release between start and end (business days only)."""
        day = start.date()
        while day <= end.date():
            if day.weekday() < 5:
                for n, building in enumerate(BUILDINGS):
                    for at in WAVE_TIMES:
                        when = datetime.combine(day, at, tzinfo=start.tzinfo)
                        when += timedelta(minutes=3 * n)
                        self.sim.schedule(when, "wave", building.site.code)
            day += timedelta(days=1)

    def on_wave(self, at: datetime, site: str) -> list[PickTask]:
        """Release the site's wave(s) and queue every pick; returns the picks, walk order."""
        released = release_waves(
            self.db,
            WaveRelease(warehouse=site, pickers=len(_PICKERS[site])),
            actor=f"lead:{site.lower()}",
            carrier=next(iter(self._adapters.values())),
        )
        tasks: list[PickTask] = []
        for wave in released:
            for n, list_id in enumerate(wave.pick_list_ids):
                with self.db.read() as conn:
                    pick_list = get_pick_list(conn, list_id, self.db.numbers)
                picker = f"picker:{_PICKERS[site][n % len(_PICKERS[site])]}"
                walk = at + timedelta(minutes=self.rng.uniform(4, 12))
                for pick in pick_list["picks"]:
                    order_id = self.db.numbers.parse(pick["order_number"])
                    self.waved.add(order_id)
                    self._open[(order_id, site)] += 1
                    walk += timedelta(seconds=self.rng.uniform(35, 100))
                    task = PickTask(site, list_id, pick, order_id, picker)
                    tasks.append(task)
                    self.sim.schedule(walk, "pick", task)
        return tasks

    def on_pick(self, at: datetime, task: PickTask) -> None:
        self.pick(at, task, careful=False)

    def pick(self, at: datetime, task: PickTask, *, careful: bool, fumble: bool = False) -> None:
        """Scan the pick; a careless picker sometimes scans wrong or finds fewer units.

        ``fumble``: scan the wrong bin or product first, whatever the dice say.
        """
        pick = task.pick
        if fumble or (not careful and self.rng.random() < _WRONG_SCAN):
            self._wrong_scan(task.site, task.list_id, pick, task.picker)
        found, reason = pick["expected"], None
        if not careful and self.rng.random() < _SHORT_PICK:
            found = self.rng.randrange(pick["expected"])
            reason = self.rng.choice(list(ShortReason))
            self.short_picks += 1
        product = pick["sku"] if self.rng.random() < 0.7 else self._barcode(pick["sku"])
        scan = PickScan(bin=pick["bin"], product=product, quantity=found, short_reason=reason)
        confirm_pick(self.db, task.list_id, pick["id"], scan, actor=task.picker)
        self.picks_done += 1
        key = (task.order_id, task.site)
        self._open[key] -= 1
        if self._open[key] == 0:
            del self._open[key]
            packing = at + timedelta(minutes=self.rng.uniform(15, 75))
            self.sim.schedule(packing, "pack", (task.site, task.order_id))

    def _wrong_scan(self, site: str, list_id: int, pick: Pick, picker: str) -> None:
        """A refused scan: the bin next door, or a neighbouring product on the shelf."""
        if self.rng.random() < 0.6:
            bins = sorted(set(self.slots[site].values()))
            i = bins.index(pick["bin"]) if pick["bin"] in bins else 0
            scan = PickScan(
                bin=bins[(i + 1) % len(bins)], product=pick["sku"], quantity=pick["expected"]
            )
        else:
            skus = sorted(self.products)
            other = skus[(skus.index(pick["sku"]) + 1) % len(skus)]
            scan = PickScan(bin=pick["bin"], product=other, quantity=pick["expected"])
        try:
            confirm_pick(self.db, list_id, pick["id"], scan, actor=picker)
        except InvalidInput:
            self.refused_scans += 1  # refused and recorded: what the handheld beeps at

    def _barcode(self, sku: str) -> str:
        return self.products[sku].barcode or sku

    def on_pack(self, at: datetime, payload: tuple[str, int]) -> Handover | None:
        """Pack what was picked for the order here, weigh the boxes and buy the label."""
        site, order_id = payload
        packer = f"packer:{site.lower()}-bench-{self.rng.randint(1, 3)}"
        try:
            started = start_packing(
                self.db,
                StartPacking(warehouse=site, order=self.db.numbers.number(order_id)),
                actor=packer,
            )
        except Conflict as exc:
            if exc.code == "nothing_to_pack":  # every unit was short-picked
                return None
            raise
        for box, contents in self._packages(started.lines, started.suggested_box):
            package = open_package(self.db, started.shipment_id, PackageIn(box=box), actor=packer)
            weight = self._tare(box)
            for sku, qty in sorted(contents.items()):
                product = sku if self.rng.random() < 0.5 else self._barcode(sku)
                scan_into_package(
                    self.db, package, ItemScan(product=product, quantity=qty), actor=packer
                )
                weight += self.products[sku].weight_g * qty
            weight = round(weight * self.rng.uniform(0.98, 1.03))
            close_package(self.db, package, ClosePackage(weight_g=max(weight, 1)), actor=packer)
        close_shipment(self.db, started.shipment_id, actor=packer)
        label = buy_label(
            self.db, started.shipment_id, LabelIn(), actor=packer, adapters=self._adapters
        )
        handover = Handover(
            site, started.shipment_id, order_id, label.tracking_number, label.expected_delivery_date
        )
        collect = max(
            datetime.combine(label.ship_date, COLLECTION, tzinfo=at.tzinfo),
            at + timedelta(minutes=5),
        )
        self.sim.schedule(collect, "collect", handover)
        if (site, collect.date()) not in self._manifested:
            # The day's parcels go on the carrier's manifest after the truck left, as the
            # dock does it: the first manifest after the demo then holds only new parcels.
            self._manifested.add((site, collect.date()))
            closing = datetime.combine(collect.date(), MANIFEST_AT, tzinfo=at.tzinfo)
            self.sim.schedule(max(closing, collect + timedelta(minutes=30)), "manifest", site)
        return handover

    def _packages(
        self, lines: dict[str, int], suggested: str | None
    ) -> list[tuple[str | None, dict[str, int]]]:
        """One box when one takes everything; otherwise fill boxes unit by unit."""
        if suggested is not None:
            return [(suggested, lines)]
        boxes = list(self._boxes().values())
        biggest = max(boxes, key=lambda b: (b.inner_volume_mm3, b.code)).code
        parcels: list[dict[str, int]] = []
        current: dict[str, int] = {}
        for sku in sorted(lines):
            for _ in range(lines[sku]):
                trial = {**current, sku: current.get(sku, 0) + 1}
                if current and suggest_box(self._items(trial), boxes) is None:
                    parcels.append(current)
                    trial = {sku: 1}
                current = trial
        parcels.append(current)
        result: list[tuple[str | None, dict[str, int]]] = []
        for contents in parcels:
            box = suggest_box(self._items(contents), boxes)
            result.append((box.code if box else biggest, contents))
        return result

    def _items(self, contents: dict[str, int]) -> list[tuple[int, int, int, int, int]]:
        """(length, width, height, weight, units) per product, as the box fitter takes them."""
        items = []
        for sku, qty in sorted(contents.items()):
            p = self.products[sku]
            dims = (p.length_mm or 1, p.width_mm or 1, p.height_mm or 1)
            items.append((*dims, p.weight_g or 1, qty))
        return items

    def _boxes(self) -> dict[str, Box]:
        if not self._box_cache:
            with self.db.read() as conn:
                self._box_cache.update({b.code: b for b in box_catalog(conn)})
        return self._box_cache

    def _tare(self, box: str | None) -> int:
        found = self._boxes().get(box or "")
        return found.tare_weight_g if found else 150

    def on_manifest(self, at: datetime, site: str) -> None:
        carrier = next(iter(self._adapters))
        # Nothing to manifest when the day's parcels were all cancelled before the truck.
        with contextlib.suppress(NothingToManifest):
            close_manifest(
                self.db, ManifestIn(carrier=carrier, warehouse=site), actor=f"dock:{site.lower()}"
            )

    def on_collect(self, at: datetime, h: Handover) -> None:
        confirm_shipment(
            self.db, h.shipment_id, actor=f"dock:{h.site.lower()}", adapters=self._adapters
        )
        self.on_shipped(
            Shipped(h.shipment_id, h.order_id, h.site, h.tracking_number, h.expected_delivery, at)
        )
