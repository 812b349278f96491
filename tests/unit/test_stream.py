"""Event stream publishing against the NATS JetStream server on 127.0.0.1:4222."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator

import nats
import orjson
import pytest

from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.outbound.stream import (
    JetStreamPublisher,
    StreamUnavailable,
    SyncJetStreamPublisher,
)

NATS_URL = os.environ.get("ORDERWELL_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _nats_reachable() -> bool:
    host_port = NATS_URL.rsplit("//", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 4222)), timeout=1):
            return True
    except OSError:
        return False


needs_nats = pytest.mark.skipif(
    not _nats_reachable(),
    reason=f"NATS with JetStream is not reachable at {NATS_URL} (set ORDERWELL_TEST_NATS_URL)",
)


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    """A stream name and subject prefix unique to this test, so runs never collide."""
    tag = uuid.uuid4().hex[:12]
    yield f"ORDERWELL_TEST_{tag}", f"orderwelltest{tag}"


async def _stored_messages(stream: str) -> int:
    nc = await nats.connect(NATS_URL)
    try:
        info = await nc.jetstream().stream_info(stream)
        return int(info.state.messages)
    finally:
        await nc.close()


@needs_nats
def test_same_event_id_twice_is_stored_once(names: tuple[str, str]) -> None:
    stream, prefix = names

    async def run() -> None:
        publisher = JetStreamPublisher(stream=stream, subject_prefix=prefix)
        await publisher.connect(NATS_URL)
        try:
            first = await publisher.publish("evt_1", "order.shipped", {"order": "K-1"})
            again = await publisher.publish("evt_1", "order.shipped", {"order": "K-1"})
            other = await publisher.publish("evt_2", "order.delivered", {"order": "K-1"})
            assert not first.duplicate
            assert again.duplicate and again.seq == first.seq
            assert other.seq == first.seq + 1
            assert await _stored_messages(stream) == 2

            # The message carries the dedup header and the shared JSON envelope.
            nc = await nats.connect(NATS_URL)
            try:
                msg = await nc.jetstream().get_msg(stream, first.seq)
            finally:
                await nc.close()
            assert msg.subject == f"{prefix}.order.shipped"
            assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == "evt_1"
            assert orjson.loads(msg.data or b"")["data"] == {"order": "K-1"}
        finally:
            await publisher.delete_stream()
            await publisher.close()

    asyncio.run(run())


@needs_nats
def test_ensure_stream_is_idempotent_and_keeps_existing_stream(names: tuple[str, str]) -> None:
    stream, prefix = names

    async def run() -> None:
        a = JetStreamPublisher(stream=stream, subject_prefix=prefix)
        b = JetStreamPublisher(stream=stream, subject_prefix=prefix)
        await a.connect(NATS_URL)
        try:
            await a.publish("evt_1", "x", {})
            await b.connect(NATS_URL)  # finds the stream, changes nothing
            await b.publish("evt_1", "x", {})
            assert await _stored_messages(stream) == 1
            await b.close()
        finally:
            await a.delete_stream()
            await a.close()

    asyncio.run(run())


@needs_nats
def test_sync_wrapper_publishes_and_deduplicates(names: tuple[str, str]) -> None:
    stream, prefix = names
    with SyncJetStreamPublisher(JetStreamPublisher(stream=stream, subject_prefix=prefix)) as pub:
        pub.connect(NATS_URL)
        try:
            first = pub.publish("evt_9", "refund.issued", {"amount": "5.00"})
            second = pub.publish("evt_9", "refund.issued", {"amount": "5.00"})
            assert second.duplicate and second.seq == first.seq
            assert asyncio.run(_stored_messages(stream)) == 1
        finally:
            pub.delete_stream()


@pytest.mark.parametrize("event_type", ["", "order.*", "order.>", "order..x", "order shipped"])
def test_event_types_that_are_not_plain_subject_tokens_are_refused(event_type: str) -> None:
    with pytest.raises(InvalidInput) as info:
        JetStreamPublisher().subject_for(event_type)
    assert info.value.field == "event_type"


def test_bad_stream_name_is_refused() -> None:
    with pytest.raises(InvalidInput):
        JetStreamPublisher(stream="A.B")


def test_publish_before_connect_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        asyncio.run(JetStreamPublisher().publish("e", "x", {}))


def test_unreachable_nats_raises_stream_unavailable() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def run() -> None:
        await JetStreamPublisher(timeout_s=1).connect(f"nats://127.0.0.1:{port}")

    with pytest.raises(StreamUnavailable, match="cannot reach NATS"):
        asyncio.run(run())
