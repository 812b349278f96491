"""Sample inputs shared by the document tests."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from pypdf import PdfReader

from orderwell.warehouse.documents.models import PostalAddress

WAREHOUSE = PostalAddress(
    "Orderwell Demo Store",
    "1200 Industrial Pkwy",
    "Edison",
    "08817",
    "US",
    company="Fulfilment Center East",
    region="NJ",
)
CUSTOMER = PostalAddress(
    "Zoë Martínez",
    "77 Remsen Street",
    "Brooklyn",
    "11201",
    "US",
    line2="Apt 3B",
    region="NY",
    phone="+1 718 555 0142",
)
SHIP_DATE = date(2024, 8, 5)


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)
