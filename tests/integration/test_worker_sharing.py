"""Several workers share the outbox without ever delivering one event twice at once, and a
worker killed in the middle of its work loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from orderwell.outbound.webhooks import SubscriptionIn, create_subscription
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables_outbound import delivery_attempts, outbox_deliveries
from orderwell.store.timeline import publish_event
from tests.integration.receiver import Receiver, running_receiver, work_until, worker_settings


def _publish(db: Database, n: int) -> set[str]:
    def work(conn: sa.Connection) -> set[str]:
        now = db.clock()
        return {publish_event(conn, "test.ping", {"n": i}, at=now) for i in range(n)}

    return db.write(work)


def _statuses(db: Database) -> Counter[str]:
    with db.read() as conn:
        return Counter(
            dict(
                conn.execute(
                    sa.select(outbox_deliveries.c.status, sa.func.count()).group_by(
                        outbox_deliveries.c.status
                    )
                ).all()
            )
        )


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_deliver_1000_events_each_once_never_concurrently(pg_url: str) -> None:
    from tests.conftest import _truncate_all

    _truncate_all(pg_url)
    db = Database.from_url(pg_url)
    with running_receiver(Receiver(delay_s=0.002)) as rec:
        create_subscription(db, SubscriptionIn(url=rec.url + "/in"))
        ids = _publish(db, 1000)
        settings = worker_settings(worker_batch_size=25)
        workers = [Worker(db, settings, name=f"w{i}", concurrency=8) for i in (1, 2)]
        errors: list[BaseException] = []

        def run(w: Worker) -> None:
            try:
                work_until(w, lambda: _statuses(db)["delivered"] == 1000, timeout_s=120)
            except BaseException as exc:  # surfaced in the main thread below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in workers:
            w.close()

    assert not errors, errors
    assert rec.overlaps == []
    received = Counter(rec.ids())
    assert set(received) == ids
    assert max(received.values()) == 1
    with db.read() as conn:
        by_worker = dict(
            conn.execute(
                sa.select(delivery_attempts.c.worker, sa.func.count()).group_by(
                    delivery_attempts.c.worker
                )
            ).all()
        )
    assert set(by_worker) == {"w1", "w2"} and sum(by_worker.values()) == 1000
    db.dispose()


def test_worker_killed_mid_delivery_loses_nothing(db: Database, db_url: str) -> None:
    """A real ``orderwell worker`` process is SIGKILLed while its POSTs are in flight; once its
    lease runs out, another worker delivers everything it held."""
    with running_receiver(Receiver(delay_s=0.3)) as rec:
        create_subscription(db, SubscriptionIn(url=rec.url + "/in"))
        ids = _publish(db, 40)
        env = {
            **os.environ,
            "ORDERWELL_DATABASE_URL": db_url,
            "ORDERWELL_WORKER_LEASE_SECONDS": "3",
            "ORDERWELL_WEBHOOK_TIMEOUT_SECONDS": "1",
            "ORDERWELL_WORKER_BATCH_SIZE": "40",
        }
        for name in ("ORDERWELL_NATS_URL", "ORDERWELL_SMTP_HOST"):
            env.pop(name, None)
        proc = subprocess.Popen(
            [sys.executable, "-c", "from orderwell.cli import app; app()", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while not rec.in_flight or sum(rec.in_flight.values()) == 0:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the worker never started delivering"
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        killed_at = time.monotonic()
        with db.read() as conn:
            held = conn.execute(
                sa.select(sa.func.count()).where(outbox_deliveries.c.locked_by.is_not(None))
            ).scalar_one()
        assert held > 0, "the killed worker held no leases: the test proved nothing"

        rescuer = Worker(db, worker_settings(), name="rescuer")
        try:
            work_until(rescuer, lambda: _statuses(db)["delivered"] == len(ids), timeout_s=60)
        finally:
            rescuer.close()

    assert time.monotonic() - killed_at >= 2.0, "rows were taken before the lease ran out"
    assert set(rec.ids()) == ids
    assert rec.overlaps == []
