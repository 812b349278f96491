"""Roles and what each may do: the permission matrix, written once as data.

The README's role table is generated from this mapping (``orderwell roles``), and the
API tests walk every route against it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including tokens and settings
    MANAGER = "manager"  # runs the operation: catalog, warehouses, stock, orders
    WAREHOUSE = "warehouse"  # moves stock, picks, packs, ships; no prices or customers
    SUPPORT = "support"  # customer service: orders, holds, cancellations
    INTEGRATION = "integration"  # a sales channel or system: places and cancels orders
    VIEWER = "viewer"  # reads everything, changes nothing


ALL = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "catalog:read": ALL,
    "catalog:write": frozenset({Role.ADMIN, Role.MANAGER, Role.INTEGRATION}),
    "warehouses:read": ALL,
    "warehouses:write": frozenset({Role.ADMIN, Role.MANAGER}),
    "inventory:read": ALL,
    "inventory:write": frozenset({Role.ADMIN, Role.MANAGER, Role.WAREHOUSE}),
    "orders:read": ALL,
    "orders:place": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.INTEGRATION}),
    "orders:hold": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT}),
    "orders:cancel": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.INTEGRATION}),
    # Warehouse execution: waves, picking, packing, labels, manifests.
    "fulfilment:read": ALL,
    "fulfilment:write": frozenset({Role.ADMIN, Role.MANAGER, Role.WAREHOUSE}),
    # Carrier tracking events (webhook and bulk upload).
    "tracking:ingest": frozenset({Role.ADMIN, Role.MANAGER, Role.INTEGRATION}),
    # After the sale: payments ledger, returns (RMA), refunds, exchanges.
    "payments:record": frozenset({Role.ADMIN, Role.MANAGER, Role.INTEGRATION}),
    "returns:request": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.INTEGRATION}),
    "returns:manage": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT}),
    "returns:receive": frozenset({Role.ADMIN, Role.MANAGER, Role.WAREHOUSE}),
    "refunds:issue": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT}),
    # Outbound: webhook subscriptions and deliveries, customer messages, channel settings.
    "webhooks:read": frozenset({Role.ADMIN, Role.MANAGER, Role.INTEGRATION, Role.VIEWER}),
    "webhooks:write": frozenset({Role.ADMIN, Role.MANAGER, Role.INTEGRATION}),
    "messages:read": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.VIEWER}),
    "settings:read": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.VIEWER}),
    "settings:write": frozenset({Role.ADMIN, Role.MANAGER}),
    # Sales channels: the registry (secrets are write-only), sync health, retry.
    "channels:read": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.VIEWER}),
    "channels:write": frozenset({Role.ADMIN, Role.MANAGER}),
    "channels:retry": frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT}),
    # API tokens: whoever holds this can make any role's token, so admins only.
    "tokens:manage": frozenset({Role.ADMIN}),
    # Console users: the same reasoning as tokens.
    "users:manage": frozenset({Role.ADMIN}),
}


def allowed(role: Role | str, permission: str) -> bool:
    return Role(role) in PERMISSIONS[permission]
