from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.wave_planning import (
    PickLine,
    ReservedOrder,
    WaveRules,
    bench_plan,
    plan_waves,
    sample_orders,
    walk_order,
)

T0 = datetime(2024, 8, 5, 8, 0, tzinfo=UTC)


def order(
    oid: str,
    *lines: tuple[str, int, int],
    warehouse: str = "MAIN",
    cutoff: datetime | None = None,
    priority: int = 0,
    promised: date | None = None,
    placed_minutes: int = 0,
) -> ReservedOrder:
    pick_lines = tuple(
        PickLine(f"{oid}-{i}", sku, f"B{seq:03d}", seq, qty)
        for i, (sku, seq, qty) in enumerate(lines)
    )
    return ReservedOrder(
        oid,
        f"#{oid}",
        warehouse,
        cutoff,
        priority,
        promised,
        T0 + timedelta(minutes=placed_minutes),
        pick_lines,
    )


def test_release_order_cutoff_then_priority_then_promise_then_placed() -> None:
    late_cutoff = T0.replace(hour=17)
    early_cutoff = T0.replace(hour=14)
    orders = [
        order("none", ("A", 1, 1)),
        order("old", ("A", 1, 1), cutoff=late_cutoff, placed_minutes=-60),
        order("new", ("A", 1, 1), cutoff=late_cutoff, placed_minutes=0),
        order("promised", ("A", 1, 1), cutoff=late_cutoff, promised=date(2024, 8, 6)),
        order("rush", ("A", 1, 1), cutoff=late_cutoff, priority=10),
        order("early", ("A", 1, 1), cutoff=early_cutoff),
    ]
    (wave,) = plan_waves(orders, WaveRules(pickers=1))
    assert wave.order_ids == ("early", "rush", "promised", "old", "new", "none")
    assert wave.earliest_cutoff == early_cutoff


def test_single_line_and_multi_line_orders_are_waved_apart_per_warehouse() -> None:
    orders = [
        order("s1", ("A", 1, 2)),
        order("m1", ("A", 1, 1), ("B", 2, 1)),
        order("s2", ("B", 2, 1), warehouse="EAST"),
        order("m2", ("C", 3, 1), ("D", 4, 1), warehouse="EAST"),
    ]
    waves = plan_waves(orders)
    kinds = {(w.warehouse_code, w.single_line): w.order_ids for w in waves}
    assert kinds == {
        ("MAIN", True): ("s1",),
        ("MAIN", False): ("m1",),
        ("EAST", True): ("s2",),
        ("EAST", False): ("m2",),
    }
    together = plan_waves(orders, WaveRules(separate_single_line=False))
    assert sorted(len(w.order_ids) for w in together) == [2, 2]


def test_wave_limits_on_orders_and_units() -> None:
    orders = [order(f"o{i}", ("A", 1, 1), ("B", 2, 2), placed_minutes=i) for i in range(10)]
    waves = plan_waves(orders, WaveRules(max_orders_per_wave=4, max_units_per_wave=9, pickers=2))
    assert [len(w.order_ids) for w in waves] == [3, 3, 3, 1]  # 9 units each
    assert all(w.units <= 9 for w in waves)
    assert [w.code for w in waves] == ["W-MAIN-001", "W-MAIN-002", "W-MAIN-003", "W-MAIN-004"]
    big = order("big", ("A", 1, 50), ("B", 2, 50))
    (alone,) = plan_waves([big], WaveRules(max_units_per_wave=20))
    assert alone.units == 100  # too big for a wave, but never split or dropped


def test_pick_lists_keep_orders_whole_with_totes_and_walk_sequence() -> None:
    orders = [
        order(
            f"o{i}",
            (f"SKU-{i % 7}", (i * 37) % 50, 1),
            ("SKU-X", (i * 11) % 50, 2),
            placed_minutes=i,
        )
        for i in range(40)
    ]
    rules = WaveRules(
        max_orders_per_wave=40, max_units_per_wave=1000, pickers=4, totes_per_picker=10
    )
    (wave,) = plan_waves(orders, rules)
    assert len(wave.pick_lists) == 4
    all_totes = [tote for pl in wave.pick_lists for tote, _ in pl.totes]
    assert all_totes == [f"T{n:02d}" for n in range(1, 41)]
    for pick_list in wave.pick_lists:
        assert len(pick_list.totes) <= 10
        keys = [(p.walk_sequence, p.bin_code, p.sku) for p in pick_list.picks]
        assert keys == sorted(keys)
        tote_of = dict((num, tote) for tote, num in pick_list.totes)
        assert all(tote_of[p.order_number] == p.tote for p in pick_list.picks)
    owners = Counter(p.order_id for pl in wave.pick_lists for p in pl.picks)
    lists_per_order = {
        oid: {pl.picker for pl in wave.pick_lists for p in pl.picks if p.order_id == oid}
        for oid in owners
    }
    assert all(len(pickers) == 1 for pickers in lists_per_order.values())
    assert sum(pl.units for pl in wave.pick_lists) == wave.units == 120
    line_ids = [p.order_line_id for pl in wave.pick_lists for p in pl.picks]
    assert sorted(line_ids) == sorted(line.order_line_id for o in orders for line in o.lines)


def test_pickers_get_balanced_contiguous_stretches() -> None:
    orders = [order(f"o{i:02d}", (f"S{i}", i, 1), (f"T{i}", i + 1, 1)) for i in range(40)]
    (wave,) = plan_waves(orders, WaveRules(max_orders_per_wave=40, pickers=4))
    units = [pl.units for pl in wave.pick_lists]
    assert units == [20, 20, 20, 20]
    first_bins = [pl.picks[0].walk_sequence for pl in wave.pick_lists]
    assert first_bins == sorted(first_bins)


def test_fewer_orders_than_pickers() -> None:
    (wave,) = plan_waves([order("a", ("A", 1, 1), ("B", 2, 1))], WaveRules(pickers=4))
    assert len(wave.pick_lists) == 1 and wave.pick_lists[0].totes == (("T01", "#a"),)


def test_walk_order_groups_consecutive_bins() -> None:
    orders = [order("a", ("A", 1, 1), ("B", 2, 1)), order("b", ("A", 1, 3), ("C", 3, 1))]
    (wave,) = plan_waves(orders)
    stops = walk_order(wave.pick_lists[0].picks)
    assert [(b, sum(p.quantity for p in ps)) for b, ps in stops] == [
        ("B001", 4),
        ("B002", 1),
        ("B003", 1),
    ]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (order("x"), "orders.1.lines"),
        (order("a", ("A", 1, 1)), "orders.1.order_id"),
        (order("y", ("A", 1, 0)), "orders.1.lines.0.quantity"),
        (
            ReservedOrder(
                "z",
                "#z",
                "MAIN",
                None,
                0,
                None,
                datetime(2024, 8, 5),
                (PickLine("l", "A", "B1", 1, 1),),
            ),
            "orders.1.placed_at",
        ),
        (order("c", ("A", 1, 1), cutoff=datetime(2024, 8, 5, 14)), "orders.1.carrier_cutoff"),
    ],
)
def test_bad_orders_are_refused(bad: ReservedOrder, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_waves([order("a", ("A", 1, 1)), bad])
    assert caught.value.field == field


def test_cart_capacity_caps_the_wave() -> None:
    rules = WaveRules(max_orders_per_wave=100, pickers=2, totes_per_picker=5)
    assert rules.orders_per_wave == 10
    orders = [order(f"o{i}", ("A", 1, 1), ("B", 2, 1)) for i in range(25)]
    assert [len(w.order_ids) for w in plan_waves(orders, rules)] == [10, 10, 5]
    with pytest.raises(InvalidInput) as caught:
        WaveRules(pickers=0)
    assert caught.value.field == "pickers"


def test_large_plan_conserves_every_order_and_unit() -> None:
    orders = sample_orders(3000, 500)
    waves = plan_waves(orders)
    assert sorted(oid for w in waves for oid in w.order_ids) == sorted(o.order_id for o in orders)
    assert sum(w.units for w in waves) == sum(o.units for o in orders)
    rules = WaveRules()
    for wave in waves:
        assert len(wave.order_ids) <= rules.orders_per_wave
        assert wave.units <= rules.max_units_per_wave
        assert all(len(pl.totes) <= rules.totes_per_picker for pl in wave.pick_lists)
    assert plan_waves(orders) == waves  # deterministic


def test_bench_plan_runs() -> None:
    assert bench_plan(200, 50) >= 0.0
