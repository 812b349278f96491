"""Table-rate carrier services and rate shopping.

Most small shippers do not call a carrier's rating API for every parcel: they hold the
carrier's published table (price by zone and weight band) and pick a service themselves.
This module is that table and that choice, pure so it is tested on a clock we control.
Services are configuration (``carriers.json`` beside this file, or any file alike).

Units: lengths in millimetres, weights in grams, money as ``Decimal`` in the service's
ISO 4217 currency. The dimensional-weight divisor is in the trade's usual cm³ per kg
(5000 international, about 139 in³/lb), so ``dim weight g = L x W x H mm³ / divisor``.

Zones (deliberately simple and documented, not any carrier's real chart):

* same country: zone ``2 + |a - b|`` where a and b are the first characters of the
  origin and destination postal codes (digits as themselves, letters spread over 0-9),
  capped at 7 -- neighbouring regions are cheap and quick, the far coast is not;
* different countries: zone 8 (:data:`INTERNATIONAL_ZONE`).
A service with no transit time or no rate for a zone does not serve that zone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import check_currency, quantize, to_amount

INTERNATIONAL_ZONE = 8
_MAX_DOMESTIC_ZONE = 7


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


@dataclass(frozen=True, slots=True)
class RateQuote:
    service: Service
    zone: int
    ship_date: date
    delivery_date: date
    transit_days: int
    billable_weights_g: tuple[int, ...]
    amount: Decimal
    after_cutoff: bool

    @property
    def label(self) -> str:
        return f"{self.service.name} ({self.service.code})"


@dataclass(frozen=True, slots=True)
class RateChoice:
    """The outcome of rate shopping: the quote to buy and a sentence a person can check."""

    quote: RateQuote | None
    meets_promise: bool
    reason: str
    quotes: tuple[RateQuote, ...]
    rejected: tuple[tuple[str, str], ...]  # (service code, why it was not chosen)


# --- zones and calendars --------------------------------------------------------------------


def _region_digit(postal_code: str, field: str) -> int:
    text = postal_code.strip().upper()
    if not text or not text[0].isalnum():
        raise InvalidInput(
            "postal code is empty or does not start with a letter or digit", field=field
        )
    first = text[0]
    return int(first) if first.isdigit() else (ord(first) - ord("A")) * 10 // 26


def zone_for(origin: ShipPoint, destination: ShipPoint) -> int:
    """Rating zone between two points; see the module docstring for the rule."""
    if origin.country.upper() != destination.country.upper():
        return INTERNATIONAL_ZONE
    distance = abs(
        _region_digit(origin.postal_code, "origin.postal_code")
        - _region_digit(destination.postal_code, "destination.postal_code")
    )
    return min(_MAX_DOMESTIC_ZONE, 2 + distance)


def is_business_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: frozenset[date] = frozenset()) -> date:
    day += timedelta(days=1)
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def ship_date_for(
    now: datetime, cutoff: time, holidays: frozenset[date] = frozenset()
) -> tuple[date, bool]:
    """The day the carrier collects a parcel ready ``now`` (warehouse wall-clock time).

    Ready by the cut-off on a business day: today. Otherwise the next business day --
    a parcel packed at 17:05 on a Friday goes out on Monday. The flag says whether the
    cut-off (not a weekend) was what pushed it.
    """
    today = now.date()
    if is_business_day(today, holidays) and now.time() <= cutoff:
        return today, False
    return next_business_day(today, holidays), is_business_day(today, holidays)


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    day = start
    for _ in range(days):
        day = next_business_day(day, holidays)
    return day


# --- rate shopping ----------------------------------------------------------------------------


def quote_service(
    service: Service,
    parcels: Sequence[Parcel],
    zone: int,
    now: datetime,
    holidays: frozenset[date] = frozenset(),
) -> RateQuote | str:
    """A quote, or the reason the service cannot take this shipment."""
    if zone not in service.transit_days_by_zone or zone not in service.rates_by_zone:
        return f"does not serve zone {zone}"
    weights: list[int] = []
    for parcel in parcels:
        billable = service.billable_weight_g(parcel)
        if billable is None:
            return (
                f"a parcel bills at {max(parcel.weight_g, service.dim_weight_g(parcel))} g,"
                f" over its {service.weight_bands_g[-1]} g limit"
            )
        weights.append(billable)
    amount = quantize(sum((service.price(zone, w) for w in weights), Decimal(0)), service.currency)
    ship, after_cutoff = ship_date_for(now, service.cutoff_local, holidays)
    transit = service.transit_days_by_zone[zone]
    return RateQuote(
        service,
        zone,
        ship,
        add_business_days(ship, transit, holidays),
        transit,
        tuple(weights),
        amount,
        after_cutoff,
    )


def _validate_parcels(parcels: Sequence[Parcel]) -> None:
    if not parcels:
        raise InvalidInput("at least one parcel is needed to rate a shipment", field="parcels")
    for index, parcel in enumerate(parcels):
        for name in ("length_mm", "width_mm", "height_mm", "weight_g"):
            value = getattr(parcel, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInput(
                    f"{name} must be a positive whole number", field=f"parcels.{index}.{name}"
                )


def _describe(quote: RateQuote) -> str:
    cutoff = quote.service.cutoff_local.strftime("%H:%M")
    pushed = f" (after the {cutoff} cut-off)" if quote.after_cutoff else ""
    return (
        f"{quote.amount} {quote.service.currency}, ships {quote.ship_date:%a %Y-%m-%d}"
        f"{pushed}, zone {quote.zone}, {quote.transit_days} business day(s),"
        f" arrives {quote.delivery_date:%a %Y-%m-%d}"
    )


def shop_rates(
    services: Iterable[Service],
    parcels: Sequence[Parcel],
    origin: ShipPoint,
    destination: ShipPoint,
    *,
    now: datetime,
    promised_delivery_date: date | None = None,
    holidays: frozenset[date] = frozenset(),
) -> RateChoice:
    """Cheapest service that delivers by the promised date, and why.

    When no service can keep the promise, the earliest-arriving one is chosen (a late
    parcel beats one not sent) and ``meets_promise`` is False so the caller can tell the
    customer. Ties on price go to the earlier delivery, then the service code, so the
    choice is reproducible.
    """
    _validate_parcels(parcels)
    zone = zone_for(origin, destination)
    quotes: list[RateQuote] = []
    rejected: list[tuple[str, str]] = []
    for service in services:
        outcome = quote_service(service, parcels, zone, now, holidays)
        if isinstance(outcome, str):
            rejected.append((service.code, f"{service.name} ({service.code}): {outcome}"))
        else:
            quotes.append(outcome)
    if not quotes:
        reason = "No service can take this shipment. " + "; ".join(r for _, r in rejected)
        return RateChoice(None, False, reason, (), tuple(rejected))

    def on_time(quote: RateQuote) -> bool:
        return promised_delivery_date is None or quote.delivery_date <= promised_delivery_date

    in_time = sorted(
        (q for q in quotes if on_time(q)), key=lambda q: (q.amount, q.delivery_date, q.service.code)
    )
    if in_time:
        chosen, meets = in_time[0], True
        promise = (
            "no delivery date was promised"
            if promised_delivery_date is None
            else f"on or before the promised {promised_delivery_date:%a %Y-%m-%d}"
        )
        head = f"Chose {chosen.label}: {_describe(chosen)}, {promise}; cheapest that does."
    else:
        chosen = min(quotes, key=lambda q: (q.delivery_date, q.amount, q.service.code))
        meets = False
        late = (chosen.delivery_date - promised_delivery_date).days  # type: ignore[operator]
        head = (
            f"No service arrives by the promised {promised_delivery_date:%a %Y-%m-%d}; "
            f"chose the fastest, {chosen.label}: {_describe(chosen)}, {late} day(s) late."
        )
    for quote in quotes:
        if quote is chosen:
            continue
        if not on_time(quote):
            why = f"arrives {quote.delivery_date:%a %Y-%m-%d}, " + (
                "after the promised date" if meets else "later still"
            )
            if quote.after_cutoff:
                why += (
                    f" (missed today's {quote.service.cutoff_local:%H:%M} cut-off,"
                    f" ships {quote.ship_date:%a %Y-%m-%d})"
                )
        else:
            why = f"costs {quote.amount} {quote.service.currency}, more than the chosen one"
        rejected.append((quote.service.code, f"{quote.label}: {why}"))
    reason = head
    if rejected:
        reason += " Not chosen: " + "; ".join(text for _, text in rejected) + "."
    return RateChoice(chosen, meets, reason, tuple(quotes), tuple(rejected))


# --- configuration ------------------------------------------------------------------------


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InvalidInput(f"'{key}' is missing", field=f"{where}.{key}")
    return data[key]


def _zone_map(raw: Any, where: str) -> dict[int, Any]:
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput("must be a non-empty object keyed by zone", field=where)
    try:
        return {int(zone): value for zone, value in raw.items()}
    except ValueError:
        raise InvalidInput("zone keys must be whole numbers", field=where) from None


def _parse_service(raw: Mapping[str, Any], carrier_code: str, where: str) -> Service:
    currency = check_currency(_get(raw, "currency", where), field=f"{where}.currency")
    try:
        cutoff = time.fromisoformat(_get(raw, "cutoff_local", where))
    except (TypeError, ValueError):
        raise InvalidInput("must be a time like '17:00'", field=f"{where}.cutoff_local") from None
    bands = tuple(_get(raw, "weight_bands_g", where))
    if (
        not bands
        or any(not isinstance(b, int) or b <= 0 for b in bands)
        or list(bands) != sorted(set(bands))
    ):
        raise InvalidInput(
            "must be ascending positive whole grams", field=f"{where}.weight_bands_g"
        )
    transit_field = f"{where}.transit_days_by_zone"
    transit = _zone_map(_get(raw, "transit_days_by_zone", where), transit_field)
    if any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in transit.values()):
        raise InvalidInput("transit days must be whole numbers >= 0", field=transit_field)
    rates: dict[int, tuple[Decimal, ...]] = {}
    raw_rates = _get(raw, "rates_by_zone", where)
    for zone, prices in _zone_map(raw_rates, f"{where}.rates_by_zone").items():
        field = f"{where}.rates_by_zone.{zone}"
        if not isinstance(prices, list) or len(prices) != len(bands):
            raise InvalidInput(f"needs one price per weight band ({len(bands)})", field=field)
        rates[zone] = tuple(to_amount(p, currency, field) for p in prices)
    divisor = raw.get("dim_divisor", 5000)
    if not isinstance(divisor, int) or divisor <= 0:
        raise InvalidInput("must be a positive whole number", field=f"{where}.dim_divisor")
    return Service(
        code=_get(raw, "code", where),
        name=_get(raw, "name", where),
        carrier_code=carrier_code,
        service_level=_get(raw, "service_level", where),
        cutoff_local=cutoff,
        transit_days_by_zone=transit,
        weight_bands_g=bands,
        rates_by_zone=rates,
        currency=currency,
        dim_divisor=divisor,
    )


def parse_carriers(data: Mapping[str, Any]) -> list[Carrier]:
    """Carriers from the JSON shape of ``carriers.json``; InvalidInput names the bad path."""
    carriers = []
    for c_index, raw_carrier in enumerate(_get(data, "carriers", "config")):
        where = f"carriers.{c_index}"
        code = _get(raw_carrier, "code", where)
        services = tuple(
            _parse_service(raw_service, code, f"{where}.services.{s_index}")
            for s_index, raw_service in enumerate(_get(raw_carrier, "services", where))
        )
        carriers.append(Carrier(code, _get(raw_carrier, "name", where), services))
    return carriers


def load_carriers(path: Path | None = None) -> list[Carrier]:
    """The built-in table-rate carriers, or those in ``path``."""
    if path is None:
        return list(_builtin_carriers())
    return parse_carriers(json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def _builtin_carriers() -> tuple[Carrier, ...]:
    # Read once per process: every wave release, label and shipment asks for them, and
    # the packaged file cannot change while we run. Carriers are frozen dataclasses.
    source = resources.files("orderwell.warehouse.carriers").joinpath("carriers.json")
    return tuple(parse_carriers(json.loads(source.read_text(encoding="utf-8"))))


def all_services(carriers: Iterable[Carrier]) -> list[Service]:
    return [service for carrier in carriers for service in carrier.services]
