"""The demo's fixed catalog and buildings: three warehouses, their bins, 200 products.

Nothing here is random: the same SKUs, barcodes and bin codes exist after every
``orderwell demo`` whatever the seed, so docs/examples/orders.csv always imports
against them. Only stock and orders depend on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orderwell.inventory.catalog import ProductIn
from orderwell.inventory.warehouses import BinIn, WarehouseIn
from orderwell.warehouse.carriers.gs1 import gs1_check_digit

# A made-up GS1 company prefix (GS1 Germany range); each product gets a 5-digit item
# reference after it and the mod-10 check digit, giving a valid EAN-13.
_COMPANY_PREFIX = "4262351"


@dataclass(frozen=True, slots=True)
class Building:
    """A warehouse and the shape of its racking: aisles x racks x shelf levels."""

    site: WarehouseIn
    aisles: str
    racks: int
    levels: int
    # Fraction of the catalog this site stocks: Berlin carries nearly everything.
    range_share: float


BUILDINGS: tuple[Building, ...] = (
    Building(
        WarehouseIn(
            code="BER1",
            name="Orderwell Fulfilment Berlin",
            address_line1="Am Juliusturm 13",
            city="Berlin",
            region="Berlin",
            postal_code="13599",
            country="DE",
            priority=1,
        ),
        aisles="ABCDEF",
        racks=9,
        levels=2,
        range_share=0.92,
    ),
    Building(
        WarehouseIn(
            code="AMS1",
            name="Orderwell Fulfilment Amsterdam",
            address_line1="Kabelweg 37",
            city="Amsterdam",
            region="Noord-Holland",
            postal_code="1014 BA",
            country="NL",
            priority=2,
        ),
        aisles="ABCDE",
        racks=10,
        levels=2,
        range_share=0.6,
    ),
    Building(
        WarehouseIn(
            code="WAW1",
            name="Orderwell Fulfilment Warszawa",
            address_line1="ul. Annopol 3",
            city="Warszawa",
            region="mazowieckie",
            postal_code="03-236",
            country="PL",
            priority=3,
        ),
        aisles="ABCD",
        racks=12,
        levels=2,
        range_share=0.45,
    ),
)


def serpentine_bins(building: Building) -> list[BinIn]:
    """Bins in the order a picker walks them: up aisle A, down aisle B, up C...

    Walking every other aisle backwards means the picker never walks an aisle empty,
    which is why pick lists sorted by ``walk_sequence`` are short walks.
    """
    result: list[BinIn] = []
    for a, aisle in enumerate(building.aisles):
        racks = range(1, building.racks + 1)
        for rack in racks if a % 2 == 0 else reversed(racks):
            for level in range(1, building.levels + 1):
                code = f"{aisle}-{rack:02d}-{level}"
                result.append(BinIn(code=code, walk_sequence=(len(result) + 1) * 10))
    return result


def ean13(item_reference: int) -> str:
    data = f"{_COMPANY_PREFIX}{item_reference:05d}"
    return f"{data}{gs1_check_digit(data)}"


@dataclass(frozen=True, slots=True)
class Family:
    """A product line sold in variants (sizes, colours, lengths...)."""

    category: str
    code: str  # SKU stem, e.g. APP-TEE
    name: str
    price: str  # EUR, net of VAT
    weight_g: int
    dims_mm: tuple[int, int, int]
    variants: tuple[tuple[str, str], ...]  # (SKU suffix, name suffix)


_SIZES = (("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"))


def _colour_sizes(
    colours: dict[str, str], sizes: tuple[tuple[str, str], ...] = _SIZES
) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"{c}-{s}", f"{name}, {label}") for c, name in colours.items() for s, label in sizes
    )


def _plain(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((n.upper().replace(" ", "-"), n) for n in names)


# fmt: off
FAMILIES: tuple[Family, ...] = (
    # apparel: 62
    Family("apparel", "APP-TEE", "Organic Cotton T-Shirt", "16.90", 180, (300, 250, 20),
           _colour_sizes({"WHT": "white", "BLK": "black", "NVY": "navy", "SGE": "sage"})),
    Family("apparel", "APP-HOO", "Heavyweight Hoodie", "49.90", 650, (350, 300, 60),
           _colour_sizes({"GRY": "heather grey", "BLK": "black", "FOR": "forest green"})),
    Family("apparel", "APP-MER", "Merino Crew Sweater", "79.00", 380, (320, 260, 40),
           _colour_sizes({"NVY": "navy", "OAT": "oatmeal", "BUR": "burgundy"})),
    Family("apparel", "APP-SOK", "Everyday Socks 3-Pack", "12.50", 150, (200, 120, 40),
           _colour_sizes({"MIX": "mixed"}, (("3942", "39-42"), ("4346", "43-46"), ("3538", "35-38")))),
    Family("apparel", "APP-RJK", "Packable Rain Jacket", "89.00", 420, (300, 220, 70),
           _colour_sizes({"YEL": "mustard", "OLV": "olive"})),
    Family("apparel", "APP-CAP", "Six-Panel Cap", "22.00", 90, (280, 200, 120),
           _plain("Black", "Navy", "Sand", "Olive", "Rust")),
    Family("apparel", "APP-BNE", "Ribbed Merino Beanie", "27.00", 80, (250, 200, 30),
           _plain("Black", "Navy", "Camel", "Grey", "Orange", "Green")),
    # home: 44
    Family("home", "HOM-MUG", "Stoneware Mug 350 ml", "14.50", 420, (120, 95, 105),
           _plain("Chalk", "Charcoal", "Moss", "Terracotta", "Ocean", "Sand")),
    Family("home", "HOM-TWL", "Waffle Bath Towel", "29.00", 600, (350, 250, 60),
           _plain("White", "Stone", "Sage", "Clay")),
    Family("home", "HOM-DUV", "Linen Duvet Cover", "119.00", 1400, (400, 300, 80),
           (("135-NAT", "135x200 cm, natural"), ("135-WHT", "135x200 cm, white"),
            ("155-NAT", "155x220 cm, natural"), ("155-WHT", "155x220 cm, white"),
            ("200-NAT", "200x200 cm, natural"), ("200-WHT", "200x200 cm, white"))),
    Family("home", "HOM-CND", "Soy Wax Candle", "18.90", 380, (90, 90, 100),
           _plain("Fig", "Cedar", "Linen", "Amber", "Sea Salt")),
    Family("home", "HOM-BRD", "Oak Cutting Board", "39.00", 1100, (400, 250, 25),
           _plain("Small", "Medium", "Large")),
    Family("home", "HOM-BSK", "Seagrass Storage Basket", "24.90", 700, (320, 320, 280),
           _plain("Small", "Medium", "Large")),
    Family("home", "HOM-THR", "Wool Throw Blanket", "69.00", 1200, (400, 300, 100),
           _plain("Grey", "Mustard", "Blue Check", "Ecru")),
    Family("home", "HOM-POT", "Ceramic Plant Pot", "19.50", 900, (160, 160, 150),
           _plain("White 12cm", "White 16cm", "Black 12cm", "Black 16cm", "Speckled 12cm",
                  "Speckled 16cm")),
    Family("home", "HOM-GLS", "Recycled Glass Tumbler 4-Pack", "21.00", 950, (200, 200, 110),
           _plain("Clear", "Green", "Amber")),
    Family("home", "HOM-TEA", "Cotton Tea Towel 2-Pack", "13.90", 160, (250, 180, 15),
           _plain("Stripe", "Check", "Plain", "Herringbone")),
    # electronics accessories: 46
    Family("electronics", "ELC-USBC", "USB-C to USB-C Cable", "12.90", 60, (110, 90, 20),
           (("1M-BLK", "1 m, black"), ("1M-WHT", "1 m, white"), ("2M-BLK", "2 m, black"),
            ("2M-WHT", "2 m, white"))),
    Family("electronics", "ELC-CHG", "GaN Wall Charger", "29.90", 110, (80, 60, 40),
           (("20W", "20 W, 1 port"), ("35W", "35 W, 2 ports"), ("65W", "65 W, 3 ports"),
            ("100W", "100 W, 4 ports"))),
    Family("electronics", "ELC-PWB", "Power Bank", "39.90", 230, (150, 80, 25),
           (("10K", "10,000 mAh"), ("20K", "20,000 mAh"), ("10K-MAG", "10,000 mAh MagSafe"))),
    Family("electronics", "ELC-CAS", "Recycled Phone Case", "24.90", 40, (180, 100, 20),
           _plain("iPhone 15", "iPhone 15 Pro", "iPhone 14", "Galaxy S24", "Galaxy A55",
                  "Pixel 8", "Pixel 8 Pro", "iPhone 13")),
    Family("electronics", "ELC-SCR", "Tempered Glass Screen Protector", "9.90", 30, (180, 100, 5),
           _plain("iPhone 15", "iPhone 15 Pro", "iPhone 14", "Galaxy S24", "Pixel 8")),
    Family("electronics", "ELC-EAR", "Wireless Earbuds", "59.00", 120, (100, 100, 50),
           _plain("Black", "White", "Sage")),
    Family("electronics", "ELC-SLV", "Felt Laptop Sleeve", "34.90", 300, (380, 270, 20),
           _plain("13 inch", "14 inch", "16 inch")),
    Family("electronics", "ELC-HDM", "HDMI 2.1 Cable", "14.90", 120, (150, 120, 30),
           (("1M", "1 m"), ("2M", "2 m"), ("3M", "3 m"))),
    Family("electronics", "ELC-KBD", "Compact Wireless Keyboard", "49.00", 450, (300, 120, 25),
           _plain("DE layout", "US layout", "NL layout")),
    Family("electronics", "ELC-MOU", "Silent Wireless Mouse", "24.00", 90, (120, 80, 45),
           _plain("Graphite", "Off-white")),
    Family("electronics", "ELC-HUB", "USB-C Hub 7-in-1", "44.90", 95, (130, 60, 20),
           _plain("Space Grey", "Silver")),
    Family("electronics", "ELC-STD", "Aluminium Phone Stand", "19.90", 180, (100, 80, 70),
           _plain("Silver", "Black")),
    Family("electronics", "ELC-TAG", "Bluetooth Item Finder 2-Pack", "29.00", 50, (100, 80, 25),
           _plain("White", "Black")),
    Family("electronics", "ELC-LMP", "LED Desk Lamp", "54.00", 1300, (420, 160, 120),
           _plain("Black", "White")),
    # outdoor and sport: 26
    Family("outdoor", "OUT-BTL", "Insulated Steel Bottle", "27.50", 390, (80, 80, 270),
           _plain("500ml Black", "500ml Mint", "750ml Black", "750ml Mint", "750ml Coral",
                  "1L Black")),
    Family("outdoor", "OUT-YOG", "Natural Rubber Yoga Mat", "64.00", 2300, (620, 150, 150),
           _plain("Moss", "Plum", "Slate", "Sand")),
    Family("outdoor", "OUT-BPK", "Rolltop Backpack 22 L", "89.00", 850, (450, 300, 150),
           _plain("Black", "Olive", "Navy", "Rust")),
    Family("outdoor", "OUT-HLP", "Rechargeable Headlamp", "32.00", 95, (110, 80, 60),
           _plain("Black", "Orange")),
    Family("outdoor", "OUT-MUG", "Enamel Camping Mug", "11.90", 160, (110, 90, 90),
           _plain("White", "Green", "Blue", "Red")),
    Family("outdoor", "OUT-TOW", "Quick-Dry Travel Towel", "26.00", 280, (250, 120, 60),
           _plain("M", "L", "XL")),
    Family("outdoor", "OUT-BND", "Resistance Band Set", "24.90", 450, (220, 160, 60),
           _plain("Light", "Medium", "Heavy")),
    # stationery: 22
    Family("stationery", "STA-NTB", "Dotted Notebook A5", "15.90", 320, (215, 150, 15),
           _plain("Black", "Sage", "Blush", "Navy", "Ochre", "Grey")),
    Family("stationery", "STA-PEN", "Gel Pen 5-Pack", "8.90", 60, (160, 60, 15),
           _plain("Black", "Blue", "Assorted")),
    Family("stationery", "STA-PLN", "Undated Weekly Planner", "24.00", 450, (215, 150, 20),
           _plain("Linen", "Forest", "Terracotta")),
    Family("stationery", "STA-WSH", "Washi Tape Set", "9.50", 90, (120, 120, 40),
           _plain("Botanical", "Pastel", "Monochrome", "Ocean")),
    Family("stationery", "STA-DSK", "Cork Desk Pad", "29.00", 700, (600, 300, 5),
           _plain("Small", "Large")),
    Family("stationery", "STA-ENV", "Kraft Envelope Set", "7.90", 200, (240, 170, 20),
           _plain("C6", "C5", "DL", "Square")),
)
# fmt: on


def demo_products() -> list[ProductIn]:
    """The 200 products, in family order (which is also how they are slotted in bins)."""
    items: list[ProductIn] = []
    for family in FAMILIES:
        length, width, height = family.dims_mm
        for n, (suffix, label) in enumerate(family.variants):
            # Bigger sizes weigh a little more: believable, and varied parcel weights.
            grams = family.weight_g + n * family.weight_g // 20
            items.append(
                ProductIn(
                    sku=f"{family.code}-{suffix}",
                    name=f"{family.name} – {label}",
                    barcode=ean13(len(items) + 1),
                    weight_g=grams,
                    length_mm=length,
                    width_mm=width,
                    height_mm=height,
                    price=Decimal(family.price),
                    currency="EUR",
                )
            )
    return items
