"""The database every sub-command works on: the one the environment's settings name."""

from __future__ import annotations

from orderwell.config import get_settings
from orderwell.store.db import Database


def open_database() -> Database:
    """A process entry point reads the settings once and hands them on with the database."""
    return Database.from_settings(get_settings())
