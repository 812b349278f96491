"""Webhooks to a real HTTP server: signed per Standard Webhooks, retried by the rules,
every attempt recorded, redelivered on request."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from orderwell.orders.placing import place_order
from orderwell.outbound.delivery import RetryPolicy
from orderwell.outbound.webhooks import (
    SubscriptionIn,
    create_subscription,
    delete_subscription,
    list_attempts,
    list_deliveries,
    redeliver,
)
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables import outbox
from tests.helpers import order, seed
from tests.integration.receiver import Receiver, running_receiver, work_until, worker_settings

FAST_RETRY = RetryPolicy(base_s=0.05, cap_s=0.1, max_attempts=3, jitter=0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


@pytest.fixture
def worker(db: Database) -> Iterator[Worker]:
    w = Worker(db, worker_settings(), name="test-worker", retry=FAST_RETRY)
    yield w
    w.close()


def _place(db: Database) -> str:
    seed(db, stock={("SKU-1", "WH1"): 5})
    place_order(db, order({"SKU-1": 1}), actor="test")
    with db.read() as conn:
        return str(
            conn.execute(
                sa.select(outbox.c.id).where(outbox.c.event_type == "order.placed")
            ).scalar_one()
        )


def _deliveries(db: Database, sub_id: int) -> list[dict[str, object]]:
    with db.read() as conn:
        return list_deliveries(conn, subscription_id=sub_id)


def _status(db: Database, sub_id: int) -> object:
    found = _deliveries(db, sub_id)
    return found[0]["status"] if found else None


def test_event_arrives_signed_and_verifies_with_standardwebhooks(
    db: Database, receiver: Receiver, worker: Worker
) -> None:
    sub = create_subscription(
        db, SubscriptionIn(url=receiver.url + "/hooks", event_types=["order.*"])
    )
    event_id = _place(db)

    work_until(worker, lambda: len(receiver.requests) == 1)

    got = receiver.requests[0]
    assert got.headers["webhook-id"] == event_id
    verified = Webhook(sub["secret"]).verify(got.body, got.headers)
    assert verified["id"] == event_id and verified["type"] == "order.placed"
    assert verified["data"]["order_id"] == 1 and verified["data"]["backordered_units"] == 0
    [delivery] = _deliveries(db, sub["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    with db.read() as conn:
        [attempt] = list_attempts(conn, int(delivery["id"]))  # type: ignore[call-overload]
    assert attempt["status_code"] == 200 and attempt["ok"] and attempt["worker"] == "test-worker"
    assert json.loads(attempt["response_excerpt"]) == {"ok": True}


def test_500_then_200_delivers_twice_with_the_same_id(
    db: Database, receiver: Receiver, worker: Worker
) -> None:
    receiver.script["/flaky"] = [500]
    sub = create_subscription(db, SubscriptionIn(url=receiver.url + "/flaky"))
    event_id = _place(db)

    work_until(worker, lambda: _status(db, sub["id"]) == "delivered")

    assert receiver.ids("/flaky") == [event_id, event_id]
    assert [r.status for r in receiver.requests] == [500, 200]
    with db.read() as conn:
        attempts = list_attempts(conn, int(_deliveries(db, sub["id"])[0]["id"]))  # type: ignore[call-overload]
    assert [(a["attempt_no"], a["status_code"]) for a in attempts] == [(1, 500), (2, 200)]
    assert "scripted" in attempts[0]["response_excerpt"]


def test_400_is_final_and_not_retried(db: Database, receiver: Receiver, worker: Worker) -> None:
    receiver.script["/strict"] = [400, 400, 400]
    sub = create_subscription(db, SubscriptionIn(url=receiver.url + "/strict"))
    _place(db)

    work_until(worker, lambda: _status(db, sub["id"]) not in (None, "pending"))
    for _ in range(5):  # more passes, well after any backoff would have expired
        worker.tick()

    [delivery] = _deliveries(db, sub["id"])
    assert delivery["status"] == "failed" and delivery["last_status_code"] == 400
    assert len(receiver.requests) == 1


def test_429_is_retried_until_attempts_run_out(
    db: Database, receiver: Receiver, worker: Worker
) -> None:
    receiver.script["/busy"] = [429, 429, 429, 429]
    sub = create_subscription(db, SubscriptionIn(url=receiver.url + "/busy"))
    _place(db)

    work_until(worker, lambda: _status(db, sub["id"]) not in (None, "pending"))

    assert _deliveries(db, sub["id"])[0]["status"] == "dead"
    assert len(receiver.requests) == FAST_RETRY.max_attempts


def test_manual_redelivery_sends_the_same_event_again(
    db: Database, receiver: Receiver, worker: Worker
) -> None:
    sub = create_subscription(db, SubscriptionIn(url=receiver.url + "/a"))
    event_id = _place(db)
    work_until(worker, lambda: len(receiver.requests) == 1)

    again = redeliver(db, sub["id"], event_id)
    assert again["status"] == "pending" and again["attempts"] == 0
    work_until(worker, lambda: len(receiver.requests) == 2)

    assert receiver.ids() == [event_id, event_id]
    assert _deliveries(db, sub["id"])[0]["status"] == "delivered"


def test_only_matching_and_active_subscriptions_receive(
    db: Database, receiver: Receiver, worker: Worker
) -> None:
    wanted = create_subscription(
        db, SubscriptionIn(url=receiver.url + "/placed", event_types=["order.placed"])
    )
    create_subscription(db, SubscriptionIn(url=receiver.url + "/held", event_types=["order.held"]))
    gone = create_subscription(db, SubscriptionIn(url=receiver.url + "/gone"))
    delete_subscription(db, gone["id"])
    _place(db)

    worker.run_until_idle()

    assert [r.path for r in receiver.requests] == ["/placed"]
    assert _deliveries(db, wanted["id"])[0]["status"] == "delivered"


def test_unreachable_receiver_is_retried_and_recorded(db: Database, worker: Worker) -> None:
    sub = create_subscription(db, SubscriptionIn(url="http://127.0.0.1:9/nobody-listens"))
    _place(db)

    work_until(worker, lambda: _status(db, sub["id"]) not in (None, "pending"))

    [delivery] = _deliveries(db, sub["id"])
    assert delivery["status"] == "dead" and delivery["attempts"] == FAST_RETRY.max_attempts
    with db.read() as conn:
        attempts = list_attempts(conn, int(delivery["id"]))  # type: ignore[call-overload]
    assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in attempts)
