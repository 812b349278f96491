"""Carrier tracking numbers: recognise them, check them, and mint new ones.

A tracking number typed by a packer or pasted by a support agent is often one digit off.
Every carrier format ends in a check digit, so we can refuse a wrong number at the packing
bench instead of discovering it when the customer's tracking link shows nothing.

The formats and check-digit rules follow jkeen/tracking_number_data (MIT, (c) 2017 Jeff
Keen), whose ``couriers/*.json`` specify each format as a regular expression whose
``SerialNumber`` group feeds a named checksum. The patterns below are those expressions
with the ``\\s*`` noise removed: we strip whitespace first and match the whole string, so
``" 1 Z 8 V 9 2 ..."`` and ``"1Z8V92..."`` are the same number.

Checksums used (names as in the upstream CHECKSUM_ALGORITHMS.md):

* ``mod10`` -- a weighted sum of the serial's characters (letters count as
  ``(ord(c) - 3) % 10``), odd/even positions multiplied as the format says, optionally
  counted from the right; the check digit brings the sum up to a multiple of ten.
* ``sum_product_with_weightings_and_modulo`` -- FedEx Express: digits times the weights
  3,1,7,... then ``% 11 % 10``.
* ``s10`` -- UPU S10 international items (``RB123456785US``): weights 8,6,4,2,3,5,9,7 mod 11.

More than one format can accept the same digits (a 20-digit USPS number also passes the
legacy 91-construct rule; a 22-digit number starting 96 is FedEx Ground), so ``identify``
returns every format that matches and callers that know the carrier ask about that one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from orderwell.domain.errors import InvalidInput

CARRIERS = ("ups", "usps", "fedex")


# --- check-digit algorithms -----------------------------------------------------------------


def _char_value(char: str) -> int:
    # Upstream's letter rule; it makes UPS's A=2, B=3 ... mapping fall out without a table.
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def mod10_check_digit(
    sequence: str, *, evens: int = 1, odds: int = 1, reverse: bool = False
) -> int:
    """Check digit for a weighted mod-10 scheme; position 0 is "even".

    ``reverse`` counts positions from the right, as USPS IMpb does; for the odd-length
    serials USPS issues this gives the same result, but the rule is kept exact.
    """
    chars = sequence[::-1] if reverse else sequence
    total = 0
    for index, char in enumerate(chars):
        total += _char_value(char) * (odds if index % 2 else evens)
    remainder = total % 10
    return 0 if remainder == 0 else 10 - remainder


def weighted_mod_check_digit(
    sequence: str, weights: Sequence[int], modulo1: int = 11, modulo2: int = 10
) -> int:
    """FedEx Express: sum of digit x weight, then ``% modulo1 % modulo2``."""
    total = sum(int(digit) * weight for digit, weight in zip(sequence, weights, strict=False))
    return total % modulo1 % modulo2


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit over the eight serial digits (remainder 1 -> 0, 0 -> 5)."""
    total = sum(int(digit) * weight for digit, weight in zip(serial, _S10_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 1:
        return 0
    if remainder == 0:
        return 5
    return 11 - remainder


# --- formats ----------------------------------------------------------------------------------


_TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum=%s",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels=%s",
    "fedex": "https://www.fedex.com/apps/fedextrack/?tracknumbers=%s",
}


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    """One carrier's tracking-number layout: a full-match pattern plus its check digit.

    ``pattern`` must define groups ``serial`` (what the check digit covers) and ``check``.
    ``serial_prefix`` is prepended to the serial before checking when it is not already
    there -- USPS legacy numbers printed without their ``91`` application identifier.
    The carrier is the part of ``format_id`` before the first underscore.
    """

    format_id: str
    name: str
    pattern: re.Pattern[str]
    check_digit: Callable[[str], int]
    serial_prefix: str = ""

    @property
    def carrier(self) -> str:
        return self.format_id.split("_", 1)[0]

    @property
    def tracking_url(self) -> str:
        return _TRACKING_URLS[self.carrier]

    def matches(self, normalised: str) -> bool:
        found = self.pattern.fullmatch(normalised)
        if found is None:
            return False
        serial = found["serial"]
        if self.serial_prefix and not serial.startswith(self.serial_prefix):
            serial = self.serial_prefix + serial
        return self.check_digit(serial) == int(found["check"])


def _ups_check(serial: str) -> int:
    return mod10_check_digit(serial, evens=1, odds=2)


def _usps_check(serial: str) -> int:
    return mod10_check_digit(serial, evens=3, odds=1)


def _usps_impb_n_check(serial: str) -> int:
    return mod10_check_digit(serial, evens=3, odds=1, reverse=True)


def _fedex_ground_check(serial: str) -> int:
    return mod10_check_digit(serial, evens=1, odds=3)


def _fedex_express_12_check(serial: str) -> int:
    return weighted_mod_check_digit(serial, (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1))


def _fedex_express_13_check(serial: str) -> int:
    return weighted_mod_check_digit(serial, (1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1))


# Pattern pieces. IMpb length rules are lookaheads: a 9-digit mailer id (starting with 9)
# or a 6-digit one, then a package id whose length makes the number 22, 26 (or 30) digits.
_ROUTING_N = (
    r"(?:420(?P<zip>[0-9]{5}(?=[0-9]{22}(?![0-9])|[0-9]{26}(?![0-9])))"
    r"(?P<zip4>[0-9]{4}(?=[0-9]{22}(?![0-9])))?)?"
)
_ROUTING_C = r"(?:420(?P<zip>[0-9]{5})(?P<zip4>[0-9]{4}(?=[0-9]{22}(?![0-9])))?)?"
_MAILER = r"(?P<shipper>9[0-9]{8}|[0-8][0-9]{5})"
_IMPB_N = (
    r"(?P<serial>(?P<ai>94)(?P<service>[0-9]{3})"
    r"(?=9[0-9]{8}(?:[0-9]{15}|[0-9]{11}|[0-9]{7})[0-9](?![0-9])"
    r"|[0-8][0-9]{5}(?:[0-9]{14}|[0-9]{10})[0-9](?![0-9]))"
    + _MAILER
    + r"(?P<package>[0-9]{15}|[0-9]{14}|[0-9]{11}|[0-9]{10}|[0-9]{7}))"
)
_IMPB_C = (
    r"(?P<serial>(?P<ai>92(?=[0-9]{3}9)|93(?=[0-9]{3}[0-8])|95)(?P<service>[0-9]{3})"
    r"(?=9[0-9]{8}(?:[0-9]{11}|[0-9]{7})[0-9](?![0-9])"
    r"|[0-8][0-9]{5}(?:[0-9]{14}|[0-9]{10})[0-9](?![0-9]))"
    + _MAILER
    + r"(?P<package>[0-9]{14}|[0-9]{11}|[0-9]{10}|[0-9]{7}))"
)
_UPS_1Z = r"1Z(?P<serial>(?P<shipper>[A-Z0-9]{6})(?P<service>[A-Z0-9]{2})[A-Z0-9]{7})"
_USPS_20 = r"(?P<serial>(?P<service>[0-9]{2})[0-9]{17})"
_USPS_91 = r"(?:420[0-9]{5}(?:[0-9]{4})?)?(?P<serial>(?:91)?(?P<service>[0-9]{2})[0-9]{17})"
_GROUND_96 = r"96(?P<scnc>[0-9]{2})(?P<service>[0-9]{3})(?P<serial>[0-9]{14})"
_CHECK = r"(?P<check>[0-9])"

# (format id, name, pattern, check digit); the order is the order ``identify`` reports.
_FORMAT_TABLE: tuple[tuple[str, str, str, Callable[[str], int]], ...] = (
    ("ups", "UPS 1Z", _UPS_1Z + _CHECK, _ups_check),
    ("ups_waybill", "UPS Waybill", r"[AHJKTV](?P<serial>[0-9]{9})" + _CHECK, _ups_check),
    ("usps_20", "USPS 20", _USPS_20 + _CHECK, _usps_check),
    ("usps_impb_n", "USPS IMpb N", _ROUTING_N + _IMPB_N + _CHECK, _usps_impb_n_check),
    ("usps_legacy", "USPS Legacy (91)", _USPS_91 + _CHECK, _usps_check),
    ("usps_impb_c", "USPS IMpb C", _ROUTING_C + _IMPB_C + _CHECK, _usps_check),
    (
        "usps_s10",
        "USPS international (S10)",
        r"[A-Z]{2}(?P<serial>[0-9]{8})" + _CHECK + "US",
        s10_check_digit,
    ),
    ("fedex_12", "FedEx Express (12)", r"(?P<serial>[0-9]{11})" + _CHECK, _fedex_express_12_check),
    (
        "fedex_34",
        "FedEx Express (34)",
        r"[0-8][0-9]{19}(?P<serial>[0-9]{13})" + _CHECK,
        _fedex_express_13_check,
    ),
    (
        "fedex_astra_32",
        "FedEx ASTRA (32)",
        r"3[0-9]{15}(?P<serial>[0-9]{11})" + _CHECK + "[0-9]{4}",
        _fedex_express_12_check,
    ),
    ("fedex_ground", "FedEx Ground (15)", r"(?P<serial>[0-9]{14})" + _CHECK, _fedex_ground_check),
    (
        "fedex_ground_sscc_18",
        "FedEx Ground (SSCC-18)",
        r"[0-9]{2}(?P<serial>[0-9]{15})" + _CHECK,
        _usps_check,
    ),
    ("fedex_ground_96", "FedEx Ground 96 (22)", _GROUND_96 + _CHECK, _fedex_ground_check),
    (
        "fedex_ground_gsn",
        "FedEx Ground GSN (34)",
        r"96[0-9]{18}(?P<serial>[0-9]{13})" + _CHECK,
        _fedex_express_13_check,
    ),
)

TRACKING_FORMATS: tuple[TrackingFormat, ...] = tuple(
    TrackingFormat(
        format_id,
        name,
        re.compile(pattern),
        check,
        serial_prefix="91" if format_id == "usps_legacy" else "",
    )
    for format_id, name, pattern, check in _FORMAT_TABLE
)

_BY_ID = {fmt.format_id: fmt for fmt in TRACKING_FORMATS}
_WHITESPACE = re.compile(r"\s+")


def normalise(number: str) -> str:
    """Remove all whitespace and upper-case: the form we store and compare."""
    return _WHITESPACE.sub("", number).upper()


def get_format(format_id: str) -> TrackingFormat:
    try:
        return _BY_ID[format_id]
    except KeyError:
        raise InvalidInput(
            f"unknown tracking-number format '{format_id}'", field="format_id"
        ) from None


def identify(number: str) -> list[TrackingFormat]:
    """Every format under which ``number`` is well formed and has a correct check digit."""
    normalised = normalise(number)
    return [fmt for fmt in TRACKING_FORMATS if fmt.matches(normalised)]


def is_valid(number: str, *, carrier: str | None = None, format_id: str | None = None) -> bool:
    """True when ``number`` is a valid tracking number (for that carrier/format if given)."""
    normalised = normalise(number)
    if format_id is not None:
        return get_format(format_id).matches(normalised)
    return any(
        fmt.matches(normalised)
        for fmt in TRACKING_FORMATS
        if carrier is None or fmt.carrier == carrier.lower()
    )


def validate_tracking_number(number: str, carrier: str, *, field: str = "tracking_number") -> str:
    """Return the normalised number, or raise InvalidInput saying why it was refused."""
    carrier_code = carrier.lower()
    if carrier_code not in CARRIERS:
        raise InvalidInput(f"no tracking-number rules for carrier '{carrier}'", field="carrier")
    if not isinstance(number, str) or not normalise(number):
        raise InvalidInput("tracking number is empty", field=field)
    if not is_valid(number, carrier=carrier_code):
        raise InvalidInput(
            f"'{number}' is not a valid {carrier_code.upper()} tracking number "
            "(wrong length, layout or check digit)",
            field=field,
        )
    return normalise(number)


def tracking_url(number: str, carrier: str) -> str | None:
    """The carrier's public tracking page for a number, when we know one."""
    url = _TRACKING_URLS.get(carrier.lower())
    return url % normalise(number) if url else None


# --- minting numbers --------------------------------------------------------------------------


def _require(value: str, pattern: str, field: str, what: str) -> str:
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        raise InvalidInput(f"{field} must be {what}, got {value!r}", field=field)
    return value


def _require_serial(serial: int, digits: int, field: str = "serial") -> str:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 10**digits:
        raise InvalidInput(f"{field} must be an integer from 0 to {10**digits - 1}", field=field)
    return str(serial).zfill(digits)


def generate_ups(shipper_account: str, service_code: str, serial: int) -> str:
    """A UPS 1Z number: 6-char shipper account, 2-char service code, 7-digit package id.

    Service codes are UPS's own (``01`` Next Day Air, ``02`` 2nd Day Air, ``03`` Ground...);
    the package id is the shipper's running counter, which the caller keeps unique.
    """
    account = _require(
        shipper_account.upper(), r"[A-Z0-9]{6}", "shipper_account", "6 letters or digits"
    )
    service = _require(service_code.upper(), r"[A-Z0-9]{2}", "service_code", "2 letters or digits")
    serial_text = account + service + _require_serial(serial, 7)
    return f"1Z{serial_text}{_ups_check(serial_text)}"


def generate_usps_impb(
    mailer_id: str,
    service_type: str,
    serial: int,
    *,
    long_form: bool = False,
    destination_zip: str | None = None,
) -> str:
    """A USPS Intelligent Mail package barcode number, as a commercial mailer prints it.

    The application identifier follows from the mailer id: ``92`` for a 9-digit Mailer ID
    (which starts with 9), ``93`` for a 6-digit one. The package id pads the number to 22
    digits (26 with ``long_form``). With ``destination_zip`` (5 or 9 digits) the
    ``420``+ZIP routing prefix the barcode carries is put in front; the check digit
    covers only the tracking part.
    """
    _require(
        mailer_id,
        r"9[0-9]{8}|[0-8][0-9]{5}",
        "mailer_id",
        "a 9-digit Mailer ID starting with 9 or a 6-digit one",
    )
    _require(service_type, r"[0-9]{3}", "service_type", "a 3-digit USPS service type code")
    application_id = "92" if len(mailer_id) == 9 else "93"
    package_digits = (22 if not long_form else 26) - 1 - 2 - 3 - len(mailer_id)
    serial_text = (
        application_id + service_type + mailer_id + _require_serial(serial, package_digits)
    )
    number = f"{serial_text}{_usps_check(serial_text)}"
    if destination_zip is not None:
        _require(destination_zip, r"[0-9]{5}(?:[0-9]{4})?", "destination_zip", "5 or 9 digits")
        if len(destination_zip) == 9 and long_form:
            raise InvalidInput(
                "a ZIP+4 routing prefix only goes with the 22-digit form",
                field="destination_zip",
            )
        number = f"420{destination_zip}{number}"
    return number


def generate_fedex_express(serial: int) -> str:
    """A 12-digit FedEx Express number from an 11-digit serial (for tests and sandboxes)."""
    serial_text = _require_serial(serial, 11)
    return f"{serial_text}{_fedex_express_12_check(serial_text)}"
