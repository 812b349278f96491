"""The pack station: which box to take, and proof that the box holds what it should.

Box choice matters twice: a box too big pays dimensional weight and void fill, one too
small comes back from the packer. The rule here is the one packers use by eye: the
smallest box (by inner volume) that every item fits into in some orientation, with room
to spare, and that stays under the box's weight rating. Real packing is a 3-D puzzle;
the fill factor (default 80 % of the inner volume) is the allowance for that puzzle and
for padding, so a "fits" answer is one a person can actually close.

Scanning every unit into the package and comparing with what the order line expects is
what keeps a shipment from closing one unit short (a complaint) or one unit over
(a loss): :func:`check_package_contents` finds both, per SKU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from orderwell.domain.errors import InvalidInput, PackageContentsMismatch

DEFAULT_FILL_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class Box:
    code: str
    inner_length_mm: int
    inner_width_mm: int
    inner_height_mm: int
    tare_weight_g: int
    max_weight_g: int  # gross: contents plus the box itself

    @property
    def inner_volume_mm3(self) -> int:
        return self.inner_length_mm * self.inner_width_mm * self.inner_height_mm

    @property
    def sorted_dims(self) -> tuple[int, int, int]:
        a, b, c = sorted((self.inner_length_mm, self.inner_width_mm, self.inner_height_mm))
        return a, b, c


class PackItem(NamedTuple):
    """One SKU's units going into the package. A plain 5-tuple works as well."""

    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int
    quantity: int


# A typical e-commerce assortment: a padded mailer's worth of flat box up to a large carton.
STANDARD_BOXES: tuple[Box, ...] = (
    Box("FLAT-S", 230, 160, 50, 60, 2000),
    Box("BOX-S", 250, 200, 100, 120, 5000),
    Box("BOX-M", 350, 250, 150, 210, 10000),
    Box("BOX-L", 450, 350, 250, 380, 20000),
    Box("BOX-XL", 600, 400, 400, 650, 30000),
)


def _as_items(items: Iterable[Sequence[int]]) -> list[PackItem]:
    parsed = []
    for index, raw in enumerate(items):
        if len(raw) != 5:
            raise InvalidInput(
                "an item is (length mm, width mm, height mm, weight g, quantity)",
                field=f"items.{index}",
            )
        item = PackItem(*raw)
        for name, value in zip(PackItem._fields, item, strict=True):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(
                    f"{name} must be a whole number >= 1", field=f"items.{index}.{name}"
                )
        parsed.append(item)
    if not parsed:
        raise InvalidInput("nothing to pack", field="items")
    return parsed


def item_fits(item: PackItem, box: Box) -> bool:
    """True if one unit fits the box in some orientation (any of the six rotations).

    Sorting both sets of dimensions and comparing pairwise is exactly the test for
    "some axis-aligned rotation fits", without trying the rotations one by one.
    """
    dims = sorted((item.length_mm, item.width_mm, item.height_mm))
    return all(d <= b for d, b in zip(dims, box.sorted_dims, strict=True))


def contents_weight_g(items: Iterable[Sequence[int]]) -> int:
    return sum(item.weight_g * item.quantity for item in _as_items(items))


def package_weight_g(items: Iterable[Sequence[int]], box: Box) -> int:
    """What the scale should read: contents plus the empty box."""
    return contents_weight_g(items) + box.tare_weight_g


def box_refusal(
    items: Sequence[PackItem], box: Box, fill_factor: float = DEFAULT_FILL_FACTOR
) -> str | None:
    """Why ``box`` cannot take ``items``, or None when it can."""
    volume = sum(i.length_mm * i.width_mm * i.height_mm * i.quantity for i in items)
    weight = sum(i.weight_g * i.quantity for i in items) + box.tare_weight_g
    if not all(item_fits(item, box) for item in items):
        return "an item is larger than the box in every orientation"
    if volume > box.inner_volume_mm3 * fill_factor:
        return f"items fill {volume / box.inner_volume_mm3:.0%} of it, over {fill_factor:.0%}"
    if weight > box.max_weight_g:
        return f"{weight} g packed is over its {box.max_weight_g} g rating"
    return None


def suggest_box(
    items: Iterable[Sequence[int]],
    boxes: Iterable[Box] = STANDARD_BOXES,
    *,
    fill_factor: float = DEFAULT_FILL_FACTOR,
) -> Box | None:
    """The smallest box (by inner volume) that takes every item, or None.

    None means no single box will do; the caller splits the items across packages.
    Ties in volume go to the lighter box, then the code, so the answer is stable.
    """
    if not 0 < fill_factor <= 1:
        raise InvalidInput("fill factor must be in (0, 1]", field="fill_factor")
    parsed = _as_items(items)
    for box in sorted(boxes, key=lambda b: (b.inner_volume_mm3, b.tare_weight_g, b.code)):
        if box_refusal(parsed, box, fill_factor) is None:
            return box
    return None


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """Per-SKU difference between what a package should hold and what was scanned in."""

    missing: dict[str, int]
    extra: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra

    def describe(self) -> str:
        if self.ok:
            return "package contents match the order"
        parts = [f"missing {qty} x {sku}" for sku, qty in sorted(self.missing.items())]
        parts += [f"{qty} x {sku} too many" for sku, qty in sorted(self.extra.items())]
        return "; ".join(parts)


def _check_counts(counts: Mapping[str, int], field: str) -> None:
    for sku, qty in counts.items():
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
            raise InvalidInput(
                f"quantity for {sku} must be a whole number >= 0", field=f"{field}.{sku}"
            )


def check_package_contents(expected: Mapping[str, int], scanned: Mapping[str, int]) -> ContentCheck:
    """Compare expected units per SKU with the units scanned into the package."""
    _check_counts(expected, "expected")
    _check_counts(scanned, "scanned")
    missing: dict[str, int] = {}
    extra: dict[str, int] = {}
    for sku in sorted(set(expected) | set(scanned)):
        difference = scanned.get(sku, 0) - expected.get(sku, 0)
        if difference < 0:
            missing[sku] = -difference
        elif difference > 0:
            extra[sku] = difference
    return ContentCheck(missing, extra)


def ensure_package_complete(expected: Mapping[str, int], scanned: Mapping[str, int]) -> None:
    """Raise Conflict (``package_contents_mismatch``) unless the scan matches exactly.

    The conflict carries ``missing`` and ``extra`` so the pack screen can show which SKU
    to add or take out.
    """
    result = check_package_contents(expected, scanned)
    if not result.ok:
        raise PackageContentsMismatch(
            f"package cannot close: {result.describe()}",
            field="scanned",
            missing=result.missing,
            extra=result.extra,
        )
