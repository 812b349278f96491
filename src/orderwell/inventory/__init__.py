"""Inventory: catalog, warehouses and bins, stock and its ledger, sourcing, reservation, backorders."""
