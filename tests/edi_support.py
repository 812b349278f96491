"""A trading partner matching the node-x12 sample interchanges, and their products."""

from __future__ import annotations

from decimal import Decimal

from orderwell.channels.edi import x12
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


def acme_partner(db: Database) -> None:
    """ACME Stores, a partner of our own making (ZZ ids), buying in EUR."""
    add_partner(
        db,
        PartnerIn(
            code="acme",
            name="ACME Stores",
            email="edi@acme.example.com",
            isa_qualifier="ZZ",
            isa_id="ACMESTORES",
            gs_id="ACMESTORES",
            our_isa_qualifier="ZZ",
            our_isa_id="ORDERWELL",
            our_gs_id="ORDERWELL",
            currency="EUR",
        ),
    )


def acme_purchase_order(sku1_qty: int, sku2_qty: int) -> bytes:
    """ACME's 850: SKU-1 by vendor number, SKU-2 by its barcode only, a line allowance."""
    ids = ("ZZ", "ACMESTORES", "ZZ", "ORDERWELL", "ACMESTORES", "ORDERWELL")
    env = x12.Envelope(*ids, 501, 61, "20260302", "0900")
    segs = [
        ["BEG", "00", "SA", "ACME-PO-77", "", "20260302"],
        ["DTM", "002", "20260310"],
        ["N1", "ST", "ACME Store 12"],
        ["N3", "Invalidenstrasse 1"],
        ["N4", "Berlin", "", "10115", "DE"],
        ["PO1", "1", str(sku1_qty), "EA", "10.00", "PE", "VN", "SKU-1", "BP", "A-1"],
        ["SAC", "A", "C310", "", "", "250"],
        ["PO1", "2", str(sku2_qty), "EA", "10.00", "PE", "UP", "4000000000002"],
        ["CTT", "2"],
    ]
    return x12.write_interchange(env, "PO", [("850", 1, segs)]).encode()
