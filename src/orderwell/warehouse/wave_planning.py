"""Pick waves: which reserved orders go to the floor together, and who picks what.

A wave is the batch of orders a shift releases at once. The order they are released in
is the order the trucks leave: the earliest carrier cut-off first (a parcel that misses
the 15:00 collection is a day late whatever else we do), then higher priority, then the
earliest promised date, then first come first served.

Single-line orders are waved apart from multi-line ones: they need no consolidation,
so they can be picked straight into a box (or batch-picked by SKU), while multi-line
orders go to totes on a cart and are checked at the pack station.

Each wave is split into one pick list per picker (batch picking). An order stays whole
on one list and gets its own tote slot (``T01``...), so the packer empties one tote into
one box. Orders are given to pickers in walk order of their first bin, cut into runs of
about equal units: every picker works one stretch of the warehouse instead of all
pickers crossing the whole building. Each list is sorted by bin walk sequence.

Everything here is pure and O(n log n) in the number of orders and lines, so a service
can plan tens of thousands of orders inside one request (see :func:`bench_plan`).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from orderwell.domain.errors import InvalidInput

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
_NO_PROMISE = date.max


@dataclass(frozen=True, slots=True)
class PickLine:
    order_line_id: str
    sku: str
    bin_code: str
    walk_sequence: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReservedOrder:
    """An order whose stock is reserved in one warehouse and may be released to picking.

    ``priority``: higher is more urgent (0 normal, e.g. 10 for a rush or VIP order).
    Datetimes must be timezone-aware so cut-offs from different carriers compare.
    """

    order_id: str
    order_number: str
    warehouse_code: str
    carrier_cutoff: datetime | None
    priority: int
    promised_date: date | None
    placed_at: datetime
    lines: tuple[PickLine, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_single_line(self) -> bool:
        return len(self.lines) == 1


@dataclass(frozen=True, slots=True)
class WaveRules:
    """Limits for one release. ``totes_per_picker`` is the slots on one cart, so a wave
    never holds more orders than ``pickers x totes_per_picker`` whatever the order limit."""

    max_orders_per_wave: int = 96
    max_units_per_wave: int = 600
    pickers: int = 4
    totes_per_picker: int = 24
    separate_single_line: bool = True

    def __post_init__(self) -> None:
        for name in ("max_orders_per_wave", "max_units_per_wave", "pickers", "totes_per_picker"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(f"{name} must be a whole number >= 1", field=name)

    @property
    def orders_per_wave(self) -> int:
        """The order limit, capped by the tote slots the wave's carts have."""
        return min(self.max_orders_per_wave, self.pickers * self.totes_per_picker)


@dataclass(frozen=True, slots=True)
class Pick:
    """One row of a pick list: take ``quantity`` of ``sku`` from ``bin_code`` into ``tote``."""

    walk_sequence: int
    bin_code: str
    sku: str
    quantity: int
    tote: str
    order_id: str
    order_number: str
    order_line_id: str


@dataclass(frozen=True, slots=True)
class PickList:
    wave_code: str
    picker: int  # 1-based position on the wave
    totes: tuple[tuple[str, str], ...]  # (tote, order_number), in tote order
    picks: tuple[Pick, ...]

    @property
    def units(self) -> int:
        return sum(pick.quantity for pick in self.picks)


@dataclass(frozen=True, slots=True)
class PickWave:
    code: str
    warehouse_code: str
    single_line: bool
    order_ids: tuple[str, ...]  # in release order
    units: int
    earliest_cutoff: datetime | None
    pick_lists: tuple[PickList, ...]


def release_key(order: ReservedOrder) -> tuple[datetime, int, date, datetime, str]:
    """Sort key for release: cut-off, priority (high first), promised date, placed_at."""
    return (
        order.carrier_cutoff or _FAR_FUTURE,
        -order.priority,
        order.promised_date or _NO_PROMISE,
        order.placed_at,
        order.order_id,  # last resort, so equal orders still plan the same every time
    )


def _check_order(index: int, order: ReservedOrder, seen: set[str]) -> None:
    where = f"orders.{index}"
    if order.order_id in seen:
        raise InvalidInput(f"order {order.order_id} appears twice", field=f"{where}.order_id")
    seen.add(order.order_id)
    if not order.lines:
        raise InvalidInput(
            f"order {order.order_number} has nothing to pick", field=f"{where}.lines"
        )
    if order.placed_at.tzinfo is None:
        raise InvalidInput("placed_at must be timezone-aware", field=f"{where}.placed_at")
    if order.carrier_cutoff is not None and order.carrier_cutoff.tzinfo is None:
        raise InvalidInput("carrier_cutoff must be timezone-aware", field=f"{where}.carrier_cutoff")
    for line_index, line in enumerate(order.lines):
        if (
            isinstance(line.quantity, bool)
            or not isinstance(line.quantity, int)
            or line.quantity < 1
        ):
            raise InvalidInput(
                "quantity to pick must be a whole number >= 1",
                field=f"{where}.lines.{line_index}.quantity",
            )


def _cut_into_waves(ordered: list[ReservedOrder], rules: WaveRules) -> list[list[ReservedOrder]]:
    # Greedy in release order: an order never jumps ahead of a more urgent one to fill a
    # wave. An order bigger than the unit limit travels alone rather than being split.
    waves: list[list[ReservedOrder]] = []
    current: list[ReservedOrder] = []
    units = 0
    for order in ordered:
        size = order.units
        if current and (
            len(current) >= rules.orders_per_wave or units + size > rules.max_units_per_wave
        ):
            waves.append(current)
            current, units = [], 0
        current.append(order)
        units += size
    if current:
        waves.append(current)
    return waves


def _assign_pickers(orders: list[ReservedOrder], rules: WaveRules) -> list[list[ReservedOrder]]:
    """Contiguous runs along the walk path, about equal in units, each within one cart."""
    along_path = sorted(
        orders, key=lambda o: (min(line.walk_sequence for line in o.lines), release_key(o))
    )
    pickers = min(rules.pickers, len(along_path))
    runs: list[list[ReservedOrder]] = []
    run: list[ReservedOrder] = []
    run_units = 0
    units_left = sum(order.units for order in along_path)
    for position, order in enumerate(along_path):
        run.append(order)
        run_units += order.units
        runs_left_after = pickers - len(runs) - 1
        if runs_left_after == 0:
            continue  # the last picker takes the rest; tote capacity guarantees it fits
        orders_left = len(along_path) - position - 1
        target = units_left / (runs_left_after + 1)
        full = len(run) >= rules.totes_per_picker
        fair_share = run_units >= target and orders_left <= runs_left_after * rules.totes_per_picker
        if orders_left and (full or fair_share):
            runs.append(run)
            units_left -= run_units
            run, run_units = [], 0
    if run:
        runs.append(run)
    return runs


def _pick_list(
    wave_code: str, picker: int, orders: list[ReservedOrder], first_tote: int
) -> PickList:
    totes: list[tuple[str, str]] = []
    picks: list[Pick] = []
    for offset, order in enumerate(orders):
        tote = f"T{first_tote + offset:02d}"
        totes.append((tote, order.order_number))
        picks.extend(
            Pick(
                line.walk_sequence,
                line.bin_code,
                line.sku,
                line.quantity,
                tote,
                order.order_id,
                order.order_number,
                line.order_line_id,
            )
            for line in order.lines
        )
    picks.sort(key=lambda p: (p.walk_sequence, p.bin_code, p.sku, p.tote))
    return PickList(wave_code, picker, tuple(totes), tuple(picks))


def plan_waves(
    orders: Iterable[ReservedOrder], rules: WaveRules | None = None, *, code_prefix: str = "W"
) -> list[PickWave]:
    """Group reserved orders into waves and pick lists, most urgent wave first.

    Waves never mix warehouses, nor (unless the rules say so) single- and multi-line
    orders. Wave codes are ``<prefix>-<warehouse>-<nnn>`` numbered in release order.
    """
    rules = rules or WaveRules()
    seen: set[str] = set()
    groups: dict[tuple[str, bool], list[ReservedOrder]] = defaultdict(list)
    for index, order in enumerate(orders):
        _check_order(index, order, seen)
        single = rules.separate_single_line and order.is_single_line
        groups[(order.warehouse_code, single)].append(order)

    batches: list[tuple[str, bool, list[ReservedOrder]]] = []
    for (warehouse, single), members in groups.items():
        members.sort(key=release_key)
        batches.extend((warehouse, single, wave) for wave in _cut_into_waves(members, rules))
    # Across warehouses and kinds, the wave holding the most urgent order goes first.
    batches.sort(key=lambda batch: (release_key(batch[2][0]), batch[0], batch[1]))

    numbers: dict[str, int] = defaultdict(int)
    waves = []
    for warehouse, single, members in batches:
        numbers[warehouse] += 1
        code = f"{code_prefix}-{warehouse}-{numbers[warehouse]:03d}"
        lists, next_tote = [], 1
        for picker, run in enumerate(_assign_pickers(members, rules), start=1):
            lists.append(_pick_list(code, picker, run, next_tote))
            next_tote += len(run)
        cutoffs = [o.carrier_cutoff for o in members if o.carrier_cutoff is not None]
        waves.append(
            PickWave(
                code,
                warehouse,
                single,
                tuple(o.order_id for o in members),
                sum(o.units for o in members),
                min(cutoffs) if cutoffs else None,
                tuple(lists),
            )
        )
    return waves


def walk_order(picks: Sequence[Pick]) -> list[tuple[str, list[Pick]]]:
    """Picks grouped by bin in walk order -- what a handheld shows one stop at a time."""
    return [(bin_code, list(group)) for bin_code, group in groupby(picks, key=lambda p: p.bin_code)]


def sample_orders(n_orders: int, n_bins: int, *, seed: int = 7) -> list[ReservedOrder]:
    """Deterministic, realistic-looking reserved orders for benchmarks and demos."""
    rng = random.Random(seed)
    start = datetime(2024, 8, 5, 6, 0, tzinfo=UTC)
    cutoffs = [start.replace(hour=h) for h in (14, 15, 17)] + [None]
    bins = [(f"A{b // 100:02d}-{b % 100 // 10:02d}-{b % 10}", b) for b in range(n_bins)]
    orders = []
    for n in range(n_orders):
        line_count = 1 if rng.random() < 0.45 else rng.randint(2, 6)
        lines = []
        for line_no, (bin_code, seq) in enumerate(rng.sample(bins, min(line_count, n_bins))):
            sku = f"SKU-{seq:05d}"
            lines.append(PickLine(f"L{n}-{line_no}", sku, bin_code, seq, rng.randint(1, 3)))
        orders.append(
            ReservedOrder(
                order_id=f"o{n}",
                order_number=f"#{100000 + n}",
                warehouse_code=rng.choice(("MAIN", "MAIN", "EAST")),
                carrier_cutoff=rng.choice(cutoffs),
                priority=10 if rng.random() < 0.05 else 0,
                promised_date=(start + timedelta(days=rng.randint(1, 5))).date(),
                placed_at=start - timedelta(minutes=rng.randint(0, 5000)),
                lines=tuple(lines),
            )
        )
    return orders


def bench_plan(n_orders: int = 10_000, n_bins: int = 500) -> float:
    """Seconds ``plan_waves`` takes on generated data (data generation not counted)."""
    orders = sample_orders(n_orders, n_bins)
    began = time.perf_counter()
    plan_waves(orders)
    return time.perf_counter() - began
