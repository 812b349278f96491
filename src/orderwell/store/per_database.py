"""One object per ``Database`` and process - the group committer, the channels as last
read - made on first use and gone with the Database (tests make many)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from orderwell.store.db import Database

T = TypeVar("T")


class PerDatabase(Generic[T]):
    def __init__(self, make: Callable[[Database], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[Database, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, db: Database) -> T:
        """The database's object, made now if it has none."""
        with self._lock:
            found = self._made.get(db)
            if found is None:
                found = self._made[db] = self._make(db)
            return found

    def replace(self, db: Database, value: T) -> T:
        """Put ``value`` in place of the database's object (made or not)."""
        with self._lock:
            self._made[db] = value
            return value
