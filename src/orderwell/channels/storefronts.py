"""One interface over the storefront platforms, and the factory that picks one per channel."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx

from orderwell.channels.config import Channel
from orderwell.channels.inbound import MappedOrder
from orderwell.channels.platform_http import PlatformHttp
from orderwell.channels.shopify.admin import ShopifyAdmin
from orderwell.channels.shopify.mapping import map_order as map_shopify
from orderwell.channels.shopify.storefront import ShopifyStorefront
from orderwell.channels.woocommerce.mapping import map_order as map_woocommerce
from orderwell.channels.woocommerce.storefront import WooStorefront
from orderwell.domain.channels import ChannelKind
from orderwell.domain.errors import ChannelKindNotPushed, ChannelNotConfigured

# Platform order JSON -> MappedOrder, per kind (webhooks, backfill, retry of held orders).
MAPPERS: dict[ChannelKind, Callable[..., MappedOrder]] = {
    ChannelKind.SHOPIFY: map_shopify,
    ChannelKind.WOOCOMMERCE: map_woocommerce,
}


class Storefront(Protocol):
    pushes_per_location: bool

    def close(self) -> None: ...

    def fulfil(self, order: dict[str, Any], shipment: dict[str, Any]) -> str | None: ...

    def cancel(self, order: dict[str, Any]) -> bool: ...

    def accept(self, order: dict[str, Any], event: dict[str, Any]) -> bool: ...

    def refund(self, order: dict[str, Any], refund: dict[str, Any]) -> str | None: ...

    def set_stock(self, listing: Any, levels: dict[str, int]) -> dict[str, str]: ...

    def orders_since(self, since: str, *, field: str = "created") -> Iterator[dict[str, Any]]: ...


def open_storefront(
    channel: Channel,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout_s: float = 10.0,
) -> Storefront:
    if not channel.base_url:
        raise ChannelNotConfigured(f"channel {channel.name} has no base_url", field="base_url")
    common: dict[str, Any] = {"transport": transport, "sleep": sleep, "timeout_s": timeout_s}
    if channel.kind is ChannelKind.SHOPIFY:
        admin = ShopifyAdmin(channel.base_url, channel.secret("access_token"), **common)
        return ShopifyStorefront(admin)
    if channel.kind is ChannelKind.WOOCOMMERCE:
        auth = (channel.secret("consumer_key"), channel.secret("consumer_secret"))
        return WooStorefront(PlatformHttp(channel.base_url, auth=auth, **common))
    raise ChannelKindNotPushed(
        f"channel {channel.name} is {channel.kind.value}: Orderwell pushes nothing to it",
        field="kind",
    )
