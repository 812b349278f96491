"""The review's per-day rollups: the additive counters of the fact rows (``tables_review``)
summed per day of placement and per filter value, so a period's KPIs read about
``days x groups`` rows instead of every order of the period.

``day`` is the placement day as whole days since 1970-01-01 (UTC). An order's warehouses
and carriers are sets (a split order touched two warehouses), so the order-level tables
key on the set as text (``,WH1,WH2,``): summed without a filter each order counts once,
and a warehouse filter is a containment test. Picks and parcels key on their own
warehouse (and carrier), as the KPI filters treat them. Every counter is a sum over fact
rows, so an order's contribution can be subtracted and added again
(``review/daily.py``); a row whose count reaches zero is deleted.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata


def _day() -> sa.Column[int]:
    return sa.Column("day", sa.Integer, primary_key=True)


def _counters(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.BigInteger, nullable=False) for n in names]


SET_LENGTH = 200  # ",WH1,WH2,": every warehouse or carrier code of an order, comma-framed

# The order-level counters, one row per day x channel x warehouse set x carrier set.
ORDER_COUNTERS = (
    "orders",
    "backordered",  # orders with a unit backordered at placement
    "waiting",  # ... still waiting for it
    "wait_s",  # seconds waited by those served
    "waiting_epoch",  # sum of placed_epoch of those still waiting (age = now - placed)
    "cancelled",
    "units_cancelled",
    "settled",
    "perfect",
    "shipped_orders",
    "returned_orders",
    "short_picked",
    "late",  # settled, not cancelled, a promised parcel late
    "units",
    "units_backordered",
    "units_shipped",
    "units_returned",
)
review_daily_orders = sa.Table(
    "review_daily_orders",
    metadata,
    _day(),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("warehouses", sa.String(SET_LENGTH), primary_key=True),
    sa.Column("carriers", sa.String(SET_LENGTH), primary_key=True),
    *_counters(*ORDER_COUNTERS),
)

PICK_COUNTERS = ("picks", "correct", "short")
review_daily_picks = sa.Table(
    "review_daily_picks",
    metadata,
    _day(),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("warehouse", sa.String(20), primary_key=True),  # the pick's own
    sa.Column("carriers", sa.String(SET_LENGTH), primary_key=True),  # its order's
    *_counters(*PICK_COUNTERS),
)

SHIPMENT_COUNTERS = (
    "shipments",
    "packed",
    "accurate",  # packed, nothing in it came back as the wrong item
    "ship_promised",
    "shipped_on_time",
    "delivery_promised",
    "delivered_on_time",
)
review_daily_shipments = sa.Table(
    "review_daily_shipments",
    metadata,
    _day(),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("warehouse", sa.String(20), primary_key=True),
    sa.Column("carrier", sa.String(40), primary_key=True),  # "" while none is chosen
    *_counters(*SHIPMENT_COUNTERS),
)

RETURN_COUNTERS = ("lines", "units")
review_daily_returns = sa.Table(
    "review_daily_returns",
    metadata,
    _day(),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("warehouses", sa.String(SET_LENGTH), primary_key=True),
    sa.Column("carriers", sa.String(SET_LENGTH), primary_key=True),
    sa.Column("reason", sa.String(30), primary_key=True),
    *_counters(*RETURN_COUNTERS),
)

# Lead-time histograms: per stage, orders and their summed seconds per fixed log-spaced
# bucket (``review/histogram.py``); the median and p90 come from the summed buckets.
# No filter columns: a histogram is ~300 rows a day already (a filtered period's
# histograms are summed from the period's fact rows instead).
LEAD_COUNTERS = ("orders", "seconds")
review_daily_lead = sa.Table(
    "review_daily_lead",
    metadata,
    _day(),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("bucket", sa.Integer, primary_key=True),
    *_counters(*LEAD_COUNTERS),
)

# Customers coming back, for the unfiltered order frequency: per day and an earlier day,
# the orders whose customer's previous order (``after1``, with the gap in seconds) or the
# one before that (``after2``) was placed on that earlier day. For a period of days s..e,
# A = after1 with ``prev_day >= s`` counts orders whose previous order is in the period:
# customers = orders - A; repeat customers = A - (after2 with ``prev_day >= s``).
CUSTOMER_COUNTERS = ("after1", "gap_s", "after2")
review_daily_customers = sa.Table(
    "review_daily_customers",
    metadata,
    # prev_day first: a period's rows are those with prev_day in the period, one range.
    sa.Column("prev_day", sa.Integer, primary_key=True),
    _day(),
    *_counters(*CUSTOMER_COUNTERS),
)
sa.Index("ix_review_daily_customers_day", review_daily_customers.c.day)

# The report's issues: per subject, the kind's value (short picks, units backordered or
# returned, late parcels, picks not right first time, cancelled orders) and the orders
# it hurt (each order counted once per day and subject, so the sums are exact). SKUs
# are many, so their table has no channel; the few warehouses, carriers and channels do.
ISSUE_COUNTERS = ("value", "orders")
review_daily_skus = sa.Table(
    "review_daily_skus",
    metadata,
    sa.Column("kind", sa.String(24), primary_key=True),  # first: a report reads one kind
    _day(),
    sa.Column("sku", sa.String(64), primary_key=True),
    *_counters(*ISSUE_COUNTERS),
)
review_daily_subjects = sa.Table(
    "review_daily_subjects",
    metadata,
    sa.Column("kind", sa.String(24), primary_key=True),
    _day(),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("subject", sa.String(64), primary_key=True),
    *_counters(*ISSUE_COUNTERS),
)

DAILY_TABLES = (
    review_daily_orders,
    review_daily_picks,
    review_daily_shipments,
    review_daily_returns,
    review_daily_lead,
    review_daily_customers,
    review_daily_skus,
    review_daily_subjects,
)
