"""Settings from environment variables ``ORDERWELL_*`` (twelve-factor)."""

from __future__ import annotations

from functools import lru_cache

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
    order_number_prefix: str = "OW-"
    log_level: str = "info"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
