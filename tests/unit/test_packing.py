from __future__ import annotations

import pytest

from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.warehouse.box_fitting import (
    STANDARD_BOXES,
    Box,
    PackItem,
    box_refusal,
    check_package_contents,
    ensure_package_complete,
    item_fits,
    package_weight_g,
    suggest_box,
)

MUG = (120, 90, 100, 350, 1)  # l, w, h mm, g, qty
POSTER_TUBE = (600, 80, 80, 300, 1)
PHONE_CASE = (170, 90, 15, 40, 1)


def test_smallest_box_that_fits() -> None:
    assert suggest_box([PHONE_CASE]).code == "FLAT-S"  # type: ignore[union-attr]
    assert suggest_box([MUG]).code == "BOX-S"  # type: ignore[union-attr]
    two_mugs = (120, 90, 100, 350, 2)
    assert suggest_box([two_mugs]).code == "BOX-S"  # type: ignore[union-attr]
    six_mugs = (120, 90, 100, 350, 6)
    assert suggest_box([six_mugs]).code == "BOX-M"  # type: ignore[union-attr]


def test_rotation_lets_a_long_item_lie_diagonal_only_if_a_side_is_long_enough() -> None:
    assert item_fits(PackItem(80, 600, 80, 300, 1), STANDARD_BOXES[-1])
    assert not item_fits(PackItem(80, 600, 80, 300, 1), STANDARD_BOXES[-2])
    assert suggest_box([POSTER_TUBE]).code == "BOX-XL"  # type: ignore[union-attr]
    assert suggest_box([(700, 80, 80, 300, 1)]) is None  # caller must split or use freight


def test_fill_factor_and_weight_rating() -> None:
    box = Box("CUBE", 100, 100, 100, 100, 1000)
    half = (100, 100, 50, 100, 1)
    assert suggest_box([half], [box]) is box
    assert suggest_box([half, half], [box]) is None  # 100 % full, over 80 %
    assert suggest_box([half, half], [box], fill_factor=1.0) is box
    heavy = (50, 50, 50, 950, 1)
    assert box_refusal([PackItem(*heavy)], box) == "1050 g packed is over its 1000 g rating"
    assert package_weight_g([half, heavy], box) == 100 + 950 + 100


def test_ties_go_to_the_lighter_box() -> None:
    a = Box("A", 200, 200, 200, 300, 5000)
    b = Box("B", 200, 200, 200, 150, 5000)
    assert suggest_box([MUG], [a, b]) is b


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([(0, 1, 1, 1, 1)], "items.0.length_mm"),
        ([MUG, (1, 1, 1, 1, 0)], "items.1.quantity"),
        ([(1, 2, 3)], "items.0"),
    ],
)
def test_bad_items(items: list[tuple[int, ...]], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        suggest_box(items)
    assert caught.value.field == field


def test_content_check_finds_missing_and_extra_per_sku() -> None:
    expected = {"MUG-RED": 2, "CASE-X": 1, "TEE-M": 3}
    scanned = {"MUG-RED": 2, "TEE-M": 4, "TEE-L": 1}
    result = check_package_contents(expected, scanned)
    assert result.missing == {"CASE-X": 1}
    assert result.extra == {"TEE-L": 1, "TEE-M": 1}
    assert not result.ok
    assert result.describe() == "missing 1 x CASE-X; 1 x TEE-L too many; 1 x TEE-M too many"
    assert check_package_contents(expected, dict(expected)).ok


def test_shipment_cannot_close_with_a_difference() -> None:
    with pytest.raises(Conflict) as caught:
        ensure_package_complete({"MUG": 2}, {"MUG": 1})
    assert caught.value.code == "package_contents_mismatch"
    assert caught.value.data == {"missing": {"MUG": 1}, "extra": {}}
    ensure_package_complete({"MUG": 2}, {"MUG": 2})
    with pytest.raises(InvalidInput) as bad:
        check_package_contents({"MUG": -1}, {})
    assert bad.value.field == "expected.MUG"
