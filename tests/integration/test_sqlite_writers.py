"""SQLite has one writer: the writers of one process, and of several processes, queue on
the Database's writer (store/sqlite_writer.py) before BEGIN IMMEDIATE, instead of
sleeping in SQLite's busy handler."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.store.db import Database
from orderwell.store.tables import stock
from tests.helpers import seed


def test_a_write_transaction_holds_the_process_lock_until_it_ends(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'lock.db'}")
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        inside = threading.Event()
        leave = threading.Event()
        taken_meanwhile: list[bool] = []

        def writer() -> None:
            with db.transaction() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                inside.set()
                leave.wait(10)

        thread = threading.Thread(target=writer)
        thread.start()
        assert inside.wait(10)

        def other() -> None:  # another thread of the process: the lock is taken
            got = db._writer._lock.acquire(blocking=False)  # type: ignore[attr-defined]
            taken_meanwhile.append(not got)
            if got:
                db._writer._lock.release()  # type: ignore[attr-defined]

        probe = threading.Thread(target=other)
        probe.start()
        probe.join()
        leave.set()
        thread.join()
        assert taken_meanwhile == [True]
        assert db._writer._lock.acquire(blocking=False)  # type: ignore[attr-defined]
        db._writer._lock.release()  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_many_writer_threads_all_get_through_and_nothing_is_lost(db_url: str) -> None:
    """16 threads receiving stock at once: every receipt is stored, none refused with
    "database is locked" (on PostgreSQL the same test runs without the lock)."""
    db = Database.from_url(db_url)
    try:
        seed(db, skus=1)
        failures: list[BaseException] = []

        def receiver() -> None:
            try:
                for _ in range(10):
                    receive(db, ReceiveIn(sku="SKU-1", warehouse="WH1", quantity=1), actor="t")
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=receiver) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert failures == []
        with db.read() as conn:
            assert conn.execute(sa.select(sa.func.sum(stock.c.on_hand))).scalar_one() == 160
    finally:
        db.dispose()


# Another process asks for the writer's file lock without waiting: "taken" or "free".
_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("taken")
"""


def _other_process_finds(path: Path) -> str:
    probe = [sys.executable, "-c", _PROBE, f"{path}-writer"]
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()


def test_other_processes_queue_on_the_file_lock_until_the_outermost_write_ends(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    db = Database.from_url(f"sqlite:///{path}")
    try:
        with db.transaction() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            assert _other_process_finds(path) == "taken"
            with db._writer:  # type: ignore[attr-defined]  # re-entered: held after it
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            assert _other_process_finds(path) == "taken"
        assert _other_process_finds(path) == "free"
    finally:
        db.dispose()


def test_a_forked_child_does_not_share_its_parents_hold(tmp_path: Path) -> None:
    """flock is held per open file: a child that kept its parent's would pass the lock."""
    import os

    path = tmp_path / "forked.db"
    db = Database.from_url(f"sqlite:///{path}")
    try:
        with db.transaction() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        read, write = os.pipe()
        with db._writer:  # type: ignore[attr-defined]
            pid = os.fork()
            if pid == 0:  # the child: its own writer must wait for the parent's hold
                import fcntl

                fd = db._writer._file()  # type: ignore[attr-defined]
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.write(write, b"free")
                except BlockingIOError:
                    os.write(write, b"taken")
                os._exit(0)
            os.waitpid(pid, 0)
        assert os.read(read, 10) == b"taken"
    finally:
        db.dispose()
