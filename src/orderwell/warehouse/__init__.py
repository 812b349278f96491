"""Warehouse floor: waves, picking, packing, shipping, carriers, labels and documents, carrier scans."""
