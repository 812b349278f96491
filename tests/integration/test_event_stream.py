"""Outbox events published to a real NATS JetStream, de-duplicated on the event id."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator

import nats
import pytest
import sqlalchemy as sa

from orderwell.orders.placing import place_order
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables import outbox
from orderwell.store.tables_outbound import stream_publications
from tests.helpers import order, seed
from tests.integration.receiver import worker_settings

NATS_URL = os.environ.get("ORDERWELL_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _reachable() -> bool:
    host, _, port = NATS_URL.rsplit("//", 1)[-1].partition(":")
    try:
        with socket.create_connection((host, int(port or 4222)), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _reachable(), reason=f"NATS is not reachable at {NATS_URL} (set ORDERWELL_TEST_NATS_URL)"
)


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    tag = uuid.uuid4().hex[:12]
    stream = f"ORDERWELL_TEST_{tag}"
    yield stream, f"owtest{tag}"

    async def drop() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(stream)
        finally:
            await nc.close()

    asyncio.run(drop())


async def _stored(stream: str) -> list[tuple[str, str]]:
    """(Nats-Msg-Id, subject) of every message in the stream."""
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stream, seq)
            out.append(((msg.headers or {}).get("Nats-Msg-Id", ""), msg.subject))
        return out
    finally:
        await nc.close()


def test_events_are_published_once_even_when_republished(
    db: Database, names: tuple[str, str]
) -> None:
    stream, prefix = names
    settings = worker_settings(nats_url=NATS_URL, nats_stream=stream, nats_subject_prefix=prefix)
    worker = Worker(db, settings, name="streamer")
    try:
        seed(db, stock={("SKU-1", "WH1"): 5})
        place_order(db, order({"SKU-1": 1}), actor="test")
        place_order(db, order({"SKU-1": 1}, external_id="second"), actor="test")
        worker.run_until_idle()

        # A worker that crashed after publishing but before saving would publish again.
        db.write(
            lambda conn: conn.execute(
                sa.update(stream_publications).values(status="pending", attempts=0)
            )
        )
        worker.run_until_idle()
    finally:
        worker.close()

    with db.read() as conn:
        ids = list(conn.execute(sa.select(outbox.c.id).order_by(outbox.c.seq)).scalars())
        rows = conn.execute(sa.select(stream_publications)).all()
    assert len(ids) == 2
    assert all(r.status == "published" and r.duplicate for r in rows)
    stored = asyncio.run(_stored(stream))
    # Once each, with the event id as JetStream's message id (order is not promised).
    assert sorted(stored) == sorted((i, f"{prefix}.order.placed") for i in ids)
