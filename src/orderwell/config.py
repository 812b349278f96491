"""Settings from environment variables ``ORDERWELL_*`` (twelve-factor)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERWELL_", extra="ignore")

    database_url: str = "sqlite:///./orderwell.db"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # "full" makes every SQLite commit survive power loss (fsync of the WAL per commit);
    # "normal" survives a crash of the process only. Durable by default.
    sqlite_synchronous: str = "full"
    # API tokens are checked against their hash in the database; a verified token is
    # remembered this many seconds, so a revoked token stops working within that time.
    token_cache_seconds: float = 10.0
    # Group commit (orders.group_commit): concurrent placements share one transaction
    # and one durable commit. A group closes at this many orders or when nothing more
    # arrives within the wait, which is only spent while requests are coming in
    # concurrently (docs/benchmarks.md). Unset: 48 on PostgreSQL (at most 60: it caches
    # 64 subtransactions), 200 on SQLite (at most 500).
    group_commit_max_orders: int | None = None
    group_commit_wait_us: int = 200
    # PostgreSQL: groups written at once per process (SQLite writes one at a time). One
    # is fastest beside a local PostgreSQL (docs/benchmarks.md); more may pay where each
    # round trip to a distant database is long.
    group_commit_writers: int = 1
    order_number_prefix: str = "OW-"
    # Your GS1 company prefix, the start of every SSCC on labels. The default is the one
    # in GS1's own SSCC example: fine for a demo, to be replaced before real shipping.
    gs1_company_prefix: str = "0952876"
    # Larger request bodies are refused with 413 before they are read into memory. A bulk
    # product upsert of 5,000 items is about 1.5 MB.
    max_body_bytes: int = 4 * 1024 * 1024
    log_level: str = "info"
    # "json": one JSON object per line with the request id (for log shippers);
    # "text": uvicorn's own lines, for reading in a terminal.
    log_format: str = "json"
    # Days a customer has to open a return, from delivery (or shipment when delivery was
    # never reported), for channels without their own window in channel_settings.
    return_window_days: int = 30
    # What a refund does with the shipping the customer paid: never, if_all_returned,
    # always, or if_our_fault (damaged, wrong item, not as described).
    refund_shipping_rule: str = "if_our_fault"
    # Rates for quoting carrier prices in the order's currency (JSON: base, as_of, rates;
    # see warehouse/carriers/exchange_rates.json, used when unset).
    exchange_rates_file: Path | None = None
    # --- Outbound: the worker, webhooks, event stream, customer messages (docs/outbound.md)
    # Run the worker inside `orderwell serve`; unset means yes on SQLite (the one-command
    # laptop setup) and no on PostgreSQL, where `orderwell worker` runs on its own.
    inprocess_worker: bool | None = None
    worker_poll_seconds: float = 1.0
    # After a pass that found work, the worker waits this long before the next: under load
    # a pass then takes a larger batch, and its fixed cost (cursors, claims, a write
    # transaction per kind of work - on SQLite each queues for the one write lock with the
    # API's group commits) is paid less often. Messages and pushes go out at most this
    # much later. 0.1 s: 834-883 -> 873-968 Shopify webhooks/s, the worker's CPU halved
    # (docs/benchmarks.md).
    worker_busy_pause_seconds: float = 0.1
    worker_batch_size: int = 50
    # A claimed delivery belongs to its worker this long; a crashed worker's work comes
    # back after it. Longer than the webhook timeout, so no two workers overlap.
    worker_lease_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 12
    watcher_interval_seconds: float = 60.0
    # nats://host:port; unset means no event stream.
    nats_url: str | None = None
    nats_stream: str = "ORDERWELL"
    nats_subject_prefix: str = "orderwell"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Sender and shop name for channels without their own in channel_settings.
    mail_from: str = "Orderwell <orders@localhost.localdomain>"
    shop_name: str = "Orderwell"
    # Base of the links in messages (the customer tracking page).
    public_url: str = "http://127.0.0.1:8000"
    # The shop's IANA time zone: the tracking page shows times in it when the customer's
    # own zone cannot be told from the delivery country (one with several zones).
    shop_time_zone: str = "UTC"
    # Key of the customer tracking links and of channel secrets at rest; unset, the
    # database keeps one it made itself.
    secret_key: str | None = None
    # --- Channels (docs/channels.md)
    # How often the worker compares each storefront's recently changed orders with ours,
    # and how far back it looks (webhooks are not guaranteed to arrive).
    channel_reconcile_seconds: float = 900.0
    channel_reconcile_lookback_hours: float = 48.0
    # Stock changes to one SKU within this window go to the channels as one update.
    channel_stock_window_seconds: float = 1.0
    # --- Console (docs/console.md): a login lasts this long; this many failed logins
    # within the window lock the name out until the oldest failure leaves it.
    console_session_hours: float = 12.0
    console_lockout_failures: int = 5
    console_lockout_minutes: float = 15.0

    @field_validator("shop_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/Berlin)") from None
        return value


def get_settings() -> Settings:
    """The settings the environment names, read afresh: called once where a process starts
    (``app.create_app``, the ``orderwell`` command), which hands them on with the database.
    Services never call it (tests/architecture/test_settings_passed_in.py)."""
    return Settings()
