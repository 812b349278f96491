"""The queue SQLite's writers wait in, in one process and across processes.

SQLite has one writer at a time, and a writer that finds the lock taken sleeps in
SQLite's busy handler - 1, 2, 5 ... up to 100 ms between tries - however soon the lock
is free. Orderwell's writers queue here instead, before ``BEGIN IMMEDIATE``, and start
the moment the writer before them is done:

- the threads of one process (the group committer, request threads) on a lock;
- processes (``orderwell serve`` and the worker it starts, several server processes, an
  import run beside the server) on ``flock`` of ``<database file>-writer``, which the
  kernel hands to the next waiter at once, and frees if its holder dies.

SQLite's own lock stays the authority: a writer that does not queue here (the sqlite3
shell, a migration) still meets the busy handler, and nothing here is needed for
correctness - only for not sleeping while the lock is free.
"""

from __future__ import annotations

import os
import threading
import weakref
from types import ModuleType, TracebackType

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # not a POSIX system: other processes meet SQLite's busy handler
    fcntl = None


class SQLiteWriter:
    """A re-entrant context manager: the outermost ``with`` waits for the file lock."""

    def __init__(self, database_path: str | None) -> None:
        # None: an in-memory database, which no other process can open.
        self._path = f"{database_path}-writer" if database_path else None
        self._lock = threading.RLock()
        self._depth = 0
        # the open lock file and the process that opened it; closed with this object
        self._open: dict[str, int] = {}
        weakref.finalize(self, _close, self._open)

    @property
    def _fd(self) -> int | None:
        return self._open.get("fd")

    def _file(self) -> int | None:
        if self._path is None or fcntl is None:
            return None
        if self._open.get("pid") != os.getpid():
            # A forked child must not share its parent's open file: flock is held per
            # open file, so parent and child would never exclude each other.
            self._open.clear()
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._open.update(fd=fd, pid=os.getpid())
        return self._open["fd"]

    def __enter__(self) -> None:
        self._lock.acquire()
        if self._depth == 0:
            try:
                fd = self._file()
                if fd is not None and fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        self._depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None and fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            _close(self._open)


def _close(held: dict[str, int]) -> None:
    if "fd" in held and held.get("pid") == os.getpid():
        os.close(held["fd"])
    held.clear()
