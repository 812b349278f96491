"""How a sales channel looks and signs its messages: a value every area may carry.

Channel settings store it (orders), messages and the tracking page show it (outbound);
its checks live here, with it, so both sides refuse the same bad colour or address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from orderwell.domain.errors import InvalidInput

_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def check_http_url(value: object, field: str) -> str:
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"'{text}' is not an http(s) link", field=field)
    return text


def check_address(value: str, field: str) -> str:
    """The bare address in ``value``; refuses anything that is not exactly one address."""
    if any(ch in value for ch in "\r\n"):
        raise InvalidInput("an email address is one line", field=field)
    _, addr = parseaddr(value)
    local, at, domain = addr.rpartition("@")
    if not at or not local or "." not in domain or " " in addr:
        raise InvalidInput(f"'{value}' is not an email address", field=field)
    return addr


@dataclass(frozen=True, slots=True)
class Branding:
    """How one sales channel looks and signs its messages."""

    shop_name: str
    sender: str  # "Shop name <orders@shop.example>"
    colour: str = "#1f6feb"
    logo_url: str | None = None
    footer: str = ""
    support_email: str | None = None
    website_url: str | None = None
    sign_off: str = "Kind regards,"
    language: str = "en"

    def __post_init__(self) -> None:
        if not self.shop_name.strip():
            raise InvalidInput("a shop name is required", field="branding.shop_name")
        # The colour goes into style attributes, where HTML escaping does not stop CSS
        # injection; a strict format does.
        if not _HEX_COLOUR.match(self.colour):
            raise InvalidInput("a colour is #RGB or #RRGGBB", field="branding.colour")
        for name in ("logo_url", "website_url"):
            value = getattr(self, name)
            if value is not None:
                check_http_url(value, f"branding.{name}")

    @property
    def text_on_colour(self) -> str:
        """Black or white, whichever reads better on the brand colour (WCAG luminance)."""
        hex_digits = self.colour[1:]
        if len(hex_digits) == 3:
            hex_digits = "".join(ch * 2 for ch in hex_digits)
        channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        return "#1f2328" if luminance > 0.179 else "#ffffff"


def branding_from_mapping(data: Mapping[str, Any]) -> Branding:
    """A :class:`Branding` from stored channel settings, ignoring unknown keys."""
    known = set(Branding.__dataclass_fields__)
    return Branding(**{k: v for k, v in data.items() if k in known})


def branding_to_mapping(branding: Branding) -> dict[str, Any]:
    return asdict(branding)
