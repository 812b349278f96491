"""The carrier adapter interface, and the built-in table-rate carrier behind it.

Services never talk to a carrier directly: they hand a :class:`ShipmentRequest` to a
:class:`CarrierAdapter` and get back a rate choice and a bought label. A real
integration (a carrier's API, or an aggregator such as EasyPost) implements the same
three methods; the built-in :class:`TableRateCarrier` rates from the published tables
in ``carriers.json`` and, having no carrier system to ask, mints its own tracking
numbers in a real carrier format with a valid check digit.

Adapters are called *outside* the database transaction (a carrier API call cannot be
rolled back or retried blindly), so ``buy_label`` must be safe to call once per shipment
and deterministic for the built-in carrier: the tracking serial is the shipment id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from orderwell.domain.errors import InvalidInput, NoCarrierService
from orderwell.warehouse.carriers.exchange import Conversion, ExchangeRates, load_exchange_rates
from orderwell.warehouse.carriers.rate_tables import load_carriers
from orderwell.warehouse.carriers.rates import RateChoice, shop_rates
from orderwell.warehouse.carriers.scan_formats import TrackingEvent, parse_easypost_tracker_updated
from orderwell.warehouse.carriers.services import Carrier, Parcel, ShipPoint
from orderwell.warehouse.carriers.tracking_numbers import generate_ups, generate_usps_impb

# UPS service codes inside a 1Z number, by our service level.
_UPS_SERVICE_BY_LEVEL = {"overnight": "01", "two_day": "02", "ground": "03"}
# USPS IMpb service type codes, by our service level (Priority Express, Priority, Ground).
_USPS_SERVICE_BY_LEVEL = {"overnight": "701", "two_day": "055", "ground": "612"}


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    """What a carrier needs to rate and label one shipment (all packages closed)."""

    shipment_id: int
    origin: ShipPoint
    destination: ShipPoint
    parcels: tuple[Parcel, ...]
    now: datetime
    promised_delivery_date: date | None = None
    service_code: str | None = None  # force a service instead of rate shopping
    currency: str | None = None  # the order's: quotes are in it (None: the carrier's own)


@dataclass(frozen=True, slots=True)
class LabelPurchase:
    """A bought label: the service, what it costs, and the carrier's tracking number."""

    carrier_code: str
    service_code: str
    service_name: str
    service_level: str
    amount: Any  # Decimal in ``currency``
    currency: str
    tracking_number: str
    ship_date: date
    expected_delivery_date: date
    meets_promise: bool
    reason: str
    conversion: Conversion | None = None  # the carrier's price and the rate, when converted


@runtime_checkable
class CarrierAdapter(Protocol):
    """One carrier (or aggregator) integration.

    ``rate`` shops the carrier's services for a shipment and says why it chose one;
    ``buy_label`` buys that service and returns the tracking number (the carrier's, or
    one minted in the carrier's real format); ``parse_tracking_webhook`` turns the
    carrier's webhook body into canonical :class:`TrackingEvent` values.
    """

    code: str
    name: str
    account_number: str

    def rate(self, request: ShipmentRequest) -> RateChoice: ...

    def buy_label(self, request: ShipmentRequest) -> LabelPurchase: ...

    def parse_tracking_webhook(
        self, body: bytes | str | Mapping[str, Any]
    ) -> list[TrackingEvent]: ...


class TableRateCarrier:
    """The built-in carrier: table rates from configuration, tracking numbers minted here.

    ``tracking_format`` is ``"ups"`` (1Z + 6-character shipper account + service + 7-digit
    package id + check digit) or ``"usps_impb"`` (22-digit IMpb with the mailer id).
    Tracking webhooks are read in EasyPost's ``tracker.updated`` format, the common
    shape aggregators deliver.
    """

    def __init__(
        self,
        carrier: Carrier | None = None,
        *,
        config_path: Path | None = None,
        tracking_format: str = "ups",
        shipper_account: str = "0W1A23",
        mailer_id: str = "901234567",
        holidays: frozenset[date] = frozenset(),
        exchange: ExchangeRates | None = None,
    ) -> None:
        if tracking_format not in ("ups", "usps_impb"):
            raise InvalidInput(
                "tracking_format must be 'ups' or 'usps_impb'", field="tracking_format"
            )
        self.carrier = carrier or load_carriers(config_path)[0]
        self.code = self.carrier.code
        self.name = self.carrier.name
        self.account_number = shipper_account
        self.tracking_format = tracking_format
        self.mailer_id = mailer_id
        self.holidays = holidays
        self.exchange = exchange or load_exchange_rates()

    def rate(self, request: ShipmentRequest) -> RateChoice:
        services = self.carrier.services
        if request.service_code is not None:
            services = tuple(s for s in services if s.code == request.service_code)
            if not services:
                raise InvalidInput(
                    f"carrier {self.code} has no service {request.service_code}",
                    field="service_code",
                )
        return shop_rates(
            services,
            request.parcels,
            request.origin,
            request.destination,
            now=request.now,
            promised_delivery_date=request.promised_delivery_date,
            holidays=self.holidays,
            currency=request.currency,
            exchange=self.exchange,
        )

    def buy_label(self, request: ShipmentRequest) -> LabelPurchase:
        choice = self.rate(request)
        quote = choice.quote
        if quote is None:
            raise NoCarrierService(choice.reason, field="service_code")
        level = quote.service.service_level
        return LabelPurchase(
            carrier_code=self.code,
            service_code=quote.service.code,
            service_name=quote.service.name,
            service_level=level,
            amount=quote.amount,
            currency=quote.currency,
            tracking_number=self.tracking_number(request.shipment_id, level),
            ship_date=quote.ship_date,
            expected_delivery_date=quote.delivery_date,
            meets_promise=choice.meets_promise,
            reason=choice.reason,
            conversion=quote.conversion,
        )

    def tracking_number(self, serial: int, service_level: str) -> str:
        """A number in the configured real format; the serial (shipment id) keeps it unique."""
        if self.tracking_format == "ups":
            service = _UPS_SERVICE_BY_LEVEL.get(service_level, "03")
            return generate_ups(self.account_number, service, serial % 10**7)
        service_type = _USPS_SERVICE_BY_LEVEL.get(service_level, "612")
        digits = 22 - 1 - 2 - 3 - len(self.mailer_id)
        return generate_usps_impb(self.mailer_id, service_type, serial % 10**digits)

    def parse_tracking_webhook(self, body: bytes | str | Mapping[str, Any]) -> list[TrackingEvent]:
        return parse_easypost_tracker_updated(body)


def default_adapters(exchange_rates_file: Path | None = None) -> dict[str, CarrierAdapter]:
    """The carriers this instance ships with, by code, pricing with the rate table in
    ``exchange_rates_file`` (``ORDERWELL_EXCHANGE_RATES_FILE``) or the built-in one."""
    adapter = TableRateCarrier(exchange=load_exchange_rates(exchange_rates_file))
    return {adapter.code: adapter}


def pick_adapter(adapters: Mapping[str, CarrierAdapter], code: str | None) -> CarrierAdapter:
    """The adapter for ``code``, or the only/first one configured when no code is given."""
    if code is None:
        return next(iter(adapters.values()))
    try:
        return adapters[code]
    except KeyError:
        raise InvalidInput(
            f"no carrier {code}; configured: {', '.join(sorted(adapters))}", field="carrier"
        ) from None
