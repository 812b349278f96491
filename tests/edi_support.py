"""A trading partner matching the node-x12 sample interchanges, and their products."""

from __future__ import annotations

from decimal import Decimal

from orderwell.channels.edi.partners import PartnerIn, add_partner
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.store.db import Database
from tests.helpers import FIXTURES, seed

EDI = FIXTURES / "edi"
# PO1 vendor numbers (VN) in 850.edi, with the quantities ordered.
PO_ITEMS = {
    "AB3542": 120,
    "RD5322": 220,
    "XY5266": 126,
    "VX2332": 76,
    "RV0524": 72,
    "DX1875": 696,
}


def fixture(name: str) -> bytes:
    return (EDI / name).read_bytes()


def xyz_partner(db: Database, *, stock: int = 1000) -> int:
    """XYZ Retail (ISA 12/4405197800 -> us, 01/999999999) and the six widgets it orders."""
    seed(db, skus=1, warehouses=("WH1",))
    upsert_products(
        db,
        [
            ProductIn(
                sku=sku,
                name=f"Widget {sku}",
                barcode=f"0065{n:08d}",
                price=Decimal("9.99"),
                currency="USD",
                weight_g=300,
            )
            for n, sku in enumerate(PO_ITEMS)
        ],
    )
    for sku in PO_ITEMS:
        receive(db, ReceiveIn(sku=sku, warehouse="WH1", bin="A-01", quantity=stock), actor="t")
    return add_partner(
        db,
        PartnerIn(
            code="xyz",
            name="XYZ Retail",
            email="edi@xyz-retail.example.com",
            isa_qualifier="12",
            isa_id="4405197800",
            gs_id="4405197800",
            our_isa_qualifier="01",
            our_isa_id="999999999",
            our_gs_id="999999999",
        ),
    )
