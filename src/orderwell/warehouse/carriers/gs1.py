"""GS1 identifiers on shipping labels: the check digit and the SSCC.

An SSCC (Serial Shipping Container Code, application identifier ``00``) names one
package or pallet for its whole journey; retailers' receiving docks scan it against the
ASN (EDI 856) we send them. It is 18 digits: an extension digit the shipper chooses,
the GS1 company prefix, a serial reference the shipper never reuses, and the GS1 mod-10
check digit. Together the prefix and serial reference are always 16 digits, so the
longer a company's prefix, the fewer serials it has.
"""

from __future__ import annotations

import re

from orderwell.domain.errors import InvalidInput

SSCC_AI = "00"
# In GS1-128 the FNC1 character in first position marks the barcode as GS1 data. Code
# 128 encoders (reportlab's included) take it as the Latin-1 character U+00F1.
FNC1 = "\xf1"

_DIGITS = re.compile(r"[0-9]+")


def gs1_check_digit(data: str) -> int:
    """GS1 mod-10 check digit for the digits of a GTIN, SSCC, GLN...

    Weights alternate 3, 1, 3... starting from the rightmost data digit, which is why the
    same function serves every GS1 key length.
    """
    if not isinstance(data, str) or _DIGITS.fullmatch(data) is None:
        raise InvalidInput(f"GS1 data must be digits only, got {data!r}", field="data")
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(data))
    )
    return (10 - total % 10) % 10


def is_valid_gs1(key: str) -> bool:
    """True when the last digit of ``key`` is the GS1 check digit of the rest."""
    if not isinstance(key, str) or len(key) < 2 or _DIGITS.fullmatch(key) is None:
        return False
    return gs1_check_digit(key[:-1]) == int(key[-1])


def sscc18(extension_digit: int | str, company_prefix: str, serial_reference: int | str) -> str:
    """Build an 18-digit SSCC.

    ``company_prefix`` is the GS1 company prefix (4 to 12 digits, as GS1 assigned it --
    leading zeros matter). ``serial_reference`` is zero-padded to fill the 16 digits the
    prefix leaves; a serial that does not fit is refused rather than truncated, because
    a truncated serial would repeat an SSCC already on someone's dock.
    """
    extension = str(extension_digit)
    if len(extension) != 1 or not extension.isdigit():
        raise InvalidInput("extension digit must be one digit 0-9", field="extension_digit")
    if not isinstance(company_prefix, str) or not re.fullmatch(r"[0-9]{4,12}", company_prefix):
        raise InvalidInput("GS1 company prefix must be 4 to 12 digits", field="company_prefix")
    room = 16 - len(company_prefix)
    serial = str(serial_reference)
    if isinstance(serial_reference, bool) or _DIGITS.fullmatch(serial) is None:
        raise InvalidInput(
            "serial reference must be a non-negative whole number", field="serial_reference"
        )
    if len(serial) > room:
        raise InvalidInput(
            f"serial reference {serial} does not fit the {room} digits left by a "
            f"{len(company_prefix)}-digit company prefix",
            field="serial_reference",
        )
    data = extension + company_prefix + serial.zfill(room)
    return data + str(gs1_check_digit(data))


def validate_sscc(sscc: str, *, field: str = "sscc") -> str:
    """Return the bare 18 digits of an SSCC given with or without ``(00)``; else raise."""
    digits = normalise_sscc(sscc)
    if len(digits) != 18 or not is_valid_gs1(digits):
        raise InvalidInput(f"'{sscc}' is not a valid SSCC-18", field=field)
    return digits


def normalise_sscc(sscc: str) -> str:
    """Strip spaces, and the ``(00)`` or bare ``00`` application identifier of a 20-digit scan."""
    text = re.sub(r"\s+", "", sscc)
    if text.startswith("(00)"):
        text = text[4:]
    elif len(text) == 20 and text.startswith(SSCC_AI):
        text = text[2:]
    return text


def format_sscc_hri(sscc: str) -> str:
    """The human-readable interpretation printed under the barcode: ``(00)`` + 18 digits."""
    return f"({SSCC_AI}){validate_sscc(sscc)}"


def sscc_barcode_data(sscc: str) -> str:
    """The GS1-128 barcode content: FNC1, AI 00, the 18 digits (all Code 128 set C)."""
    return f"{FNC1}{SSCC_AI}{validate_sscc(sscc)}"
