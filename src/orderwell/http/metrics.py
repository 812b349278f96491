"""Prometheus metrics at ``/metrics``, with the official ``prometheus-client``.

Request counts and latencies are counted by this process as it answers. Business and
backlog figures -- orders placed, outbox lag, webhook failures -- are read from the
database when Prometheus scrapes, so every API process reports the same true figures
however many there are and whichever one is scraped. The connection pool is this
process's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from orderwell.domain.statuses import DeliveryStatus
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_outbound import delivery_attempts, outbox_deliveries

# Seconds: most answers take milliseconds; placing a large order or a label, longer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseFigures(Collector):
    """Figures read from the database at scrape time, and the pool's state."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        with self.db.read() as conn:
            placed = conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one()
            oldest: datetime | None = conn.execute(
                sa.select(sa.func.min(outbox_deliveries.c.created_at)).where(
                    outbox_deliveries.c.status == DeliveryStatus.PENDING
                )
            ).scalar()
            by_status: dict[str, int] = dict(
                conn.execute(
                    sa.select(outbox_deliveries.c.status, sa.func.count()).group_by(
                        outbox_deliveries.c.status
                    )
                ).all()
            )
            failed_attempts = conn.execute(
                sa.select(sa.func.count())
                .select_from(delivery_attempts)
                .where(delivery_attempts.c.ok.is_(False))
            ).scalar_one()
        yield CounterMetricFamily(
            "orderwell_orders_placed", "Orders placed, all channels", value=placed
        )
        lag = GaugeMetricFamily(
            "orderwell_outbox_lag_seconds",
            "Age of the oldest webhook delivery still waiting (0 when none waits)",
        )
        lag.add_metric([], (self.db.clock() - oldest).total_seconds() if oldest else 0.0)
        yield lag
        deliveries = GaugeMetricFamily(
            "orderwell_webhook_deliveries", "Webhook deliveries by status", labels=["status"]
        )
        for status in ("pending", "delivered", "failed", "dead"):
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries
        yield CounterMetricFamily(
            "orderwell_webhook_failures",
            "Webhook delivery attempts that failed (error or non-2xx answer)",
            value=failed_attempts,
        )
        pool = self.db.engine.pool
        connections = GaugeMetricFamily(
            "orderwell_db_pool_connections",
            "This process's database connections by state",
            labels=["state"],
        )
        for state, reader in (("in_use", "checkedout"), ("idle", "checkedin"), ("size", "size")):
            value = getattr(pool, reader, None)
            if callable(value):
                connections.add_metric([state], float(value()))
        yield connections


class Metrics:
    """One registry per app, so several apps in one process (tests) do not collide."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "orderwell_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "orderwell_http_request_duration_seconds",
            "Time to answer, by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(DatabaseFigures(db))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
