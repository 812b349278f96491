"""Rate shopping over table-rate carrier services.

Most small shippers do not call a carrier's rating API for every parcel: they hold the
carrier's published table (price by zone and weight band) and pick a service themselves.
This module is that choice, pure so it is tested on a clock we control. The tables are
configuration (``rate_tables.py``, ``carriers.json``); the model is in ``services.py``
and the calendar in ``calendar.py``.

Prices are quoted in the shop's currency (the order's): a service priced in another
currency is converted with the configured rate table (``exchange.py``) and the quote
says from what and at which rate.

Zones (deliberately simple and documented, not any carrier's real chart):

* same country: zone ``2 + |a - b|`` where a and b are the first characters of the
  origin and destination postal codes (digits as themselves, letters spread over 0-9),
  capped at 7 -- neighbouring regions are cheap and quick, the far coast is not;
* another country reached by road (both in Europe's road network, or both in North
  America): zone 8 (:data:`CROSS_BORDER_ZONE`), served by ground as real carriers do
  (Germany to Poland, the US to Canada);
* another country over sea: zone 9 (:data:`OVERSEAS_ZONE`), by air only.
A service with no transit time or no rate for a zone does not serve that zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import quantize
from orderwell.warehouse.carriers.calendar import add_business_days, ship_date_for
from orderwell.warehouse.carriers.exchange import Conversion, ExchangeRates
from orderwell.warehouse.carriers.services import Parcel, Service, ShipPoint

CROSS_BORDER_ZONE = 8
OVERSEAS_ZONE = 9
_MAX_DOMESTIC_ZONE = 7

# Countries whose parcels travel between each other by road (ferries and tunnels count:
# ground services reach the UK and Ireland). Islands far out (Iceland, Cyprus, Malta) and
# other continents are overseas.
# fmt: off
_ROAD_NETWORKS = (
    frozenset({
        "AD", "AL", "AT", "BA", "BE", "BG", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
        "GB", "GR", "HR", "HU", "IE", "IT", "LI", "LT", "LU", "LV", "MC", "ME", "MK", "NL",
        "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM", "VA",
    }),
    frozenset({"US", "CA", "MX"}),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class RateQuote:
    service: Service
    zone: int
    ship_date: date
    delivery_date: date
    transit_days: int
    billable_weights_g: tuple[int, ...]
    amount: Decimal  # in ``currency``
    after_cutoff: bool
    currency: str = ""  # the shop's; the service's own when nothing was converted
    conversion: Conversion | None = None  # how a price in another currency became ``amount``

    @property
    def price(self) -> str:
        """The amount with its currency, and the conversion when there was one."""
        text = f"{self.amount} {self.currency or self.service.currency}"
        return text + (f" ({self.conversion.describe()})" if self.conversion else "")

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


# --- zones ---------------------------------------------------------------------------------


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
    a, b = origin.country.upper(), destination.country.upper()
    if a != b:
        by_road = any(a in net and b in net for net in _ROAD_NETWORKS)
        return CROSS_BORDER_ZONE if by_road else OVERSEAS_ZONE
    distance = abs(
        _region_digit(origin.postal_code, "origin.postal_code")
        - _region_digit(destination.postal_code, "destination.postal_code")
    )
    return min(_MAX_DOMESTIC_ZONE, 2 + distance)


# --- rate shopping ----------------------------------------------------------------------------


def quote_service(
    service: Service,
    parcels: Sequence[Parcel],
    zone: int,
    now: datetime,
    holidays: frozenset[date] = frozenset(),
    *,
    currency: str | None = None,
    exchange: ExchangeRates | None = None,
) -> RateQuote | str:
    """A quote (in ``currency`` when given), or the reason the service cannot take this
    shipment."""
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
    conversion = None
    if currency is not None and currency != service.currency:
        conversion = exchange.convert(amount, service.currency, currency) if exchange else None
        if conversion is None:
            return (
                f"priced in {service.currency} and the rate table has no "
                f"{service.currency} to {currency} rate"
            )
        amount = conversion.amount
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
        currency or service.currency,
        conversion,
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
        f"{quote.price}, ships {quote.ship_date:%a %Y-%m-%d}"
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
    currency: str | None = None,
    exchange: ExchangeRates | None = None,
) -> RateChoice:
    """Cheapest service that delivers by the promised date, and why.

    When no service can keep the promise, the earliest-arriving one is chosen (a late
    parcel beats one not sent) and ``meets_promise`` is False so the caller can tell the
    customer. Ties on price go to the earlier delivery, then the service code, so the
    choice is reproducible. With ``currency`` every quote is in it (converted with
    ``exchange`` where a service is priced in another), so prices compare like for like.
    """
    _validate_parcels(parcels)
    zone = zone_for(origin, destination)
    quotes: list[RateQuote] = []
    rejected: list[tuple[str, str]] = []
    for service in services:
        outcome = quote_service(
            service, parcels, zone, now, holidays, currency=currency, exchange=exchange
        )
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
            why = f"costs {quote.price}, more than the chosen one"
        rejected.append((quote.service.code, f"{quote.label}: {why}"))
    reason = head
    if rejected:
        reason += " Not chosen: " + "; ".join(text for _, text in rejected) + "."
    return RateChoice(chosen, meets, reason, tuple(quotes), tuple(rejected))
