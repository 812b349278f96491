"""Carrier rate tables as configuration: ``carriers.json`` beside this file, or any file
of the same shape. Parsing checks every entry and names the bad path in its error.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from datetime import time
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import check_currency, to_amount
from orderwell.warehouse.carriers.services import Carrier, Service


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
