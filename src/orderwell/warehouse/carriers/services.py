"""What rating works with: ship points, parcels, carriers and their services.

Units: lengths in millimetres, weights in grams, money as ``Decimal`` in the service's
ISO 4217 currency. The dimensional-weight divisor is in the trade's usual cm³ per kg
(5000 international, about 139 in³/lb), so ``dim weight g = L x W x H mm³ / divisor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ShipPoint:
    """Where a parcel leaves from or goes to, as far as rating cares."""

    country: str  # ISO 3166-1 alpha-2
    postal_code: str


@dataclass(frozen=True, slots=True)
class Parcel:
    """One package as weighed and measured at the pack station."""

    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int


@dataclass(frozen=True, slots=True)
class Service:
    """One carrier service: how fast it goes and what it costs, by zone and weight band.

    ``weight_bands_g`` are ascending inclusive upper limits; ``rates_by_zone[z][i]`` is
    the price of a parcel whose billable weight falls in band ``i`` in zone ``z``.
    """

    code: str
    name: str
    carrier_code: str
    service_level: str
    cutoff_local: time
    transit_days_by_zone: Mapping[int, int]
    weight_bands_g: tuple[int, ...]
    rates_by_zone: Mapping[int, tuple[Decimal, ...]]
    currency: str
    dim_divisor: int = 5000

    def dim_weight_g(self, parcel: Parcel) -> int:
        volume_mm3 = parcel.length_mm * parcel.width_mm * parcel.height_mm
        return -(-volume_mm3 // self.dim_divisor)  # round up: carriers never round down

    def billable_weight_g(self, parcel: Parcel) -> int | None:
        """max(actual, dimensional) rounded up to the band limit; None if over the top band."""
        weight = max(parcel.weight_g, self.dim_weight_g(parcel))
        for band in self.weight_bands_g:
            if weight <= band:
                return band
        return None

    def price(self, zone: int, billable_weight_g: int) -> Decimal:
        band_index = self.weight_bands_g.index(billable_weight_g)
        return self.rates_by_zone[zone][band_index]


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name: str
    services: tuple[Service, ...]
