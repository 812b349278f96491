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
}


def allowed(role: Role | str, permission: str) -> bool:
    return Role(role) in PERMISSIONS[permission]
