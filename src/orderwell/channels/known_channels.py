"""The storefront channels as this process last read them: the webhook route's quick path.

A webhook for a channel read before needs no read of its own: the route checks the
signature against the channel as last read, maps the order, and hands it to the group
committer with the channel's row as read. The group reads the row again in its own
transaction, with the delivery and the shop order (``ChannelRecord.still_new``), and
places the order only if the row is unchanged and both are new; otherwise it writes
nothing of it and answers ``Recheck``, and the route takes the webhook the long way,
which reads the channel afresh and keeps it here. A stale entry - a secret rotated or
the channel disabled by another process - costs one more trip, never a wrong answer.

Only active channels are kept, and a webhook the kept channel would refuse (signature,
topic, body) goes the long way: every refusal is decided on a fresh read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderwell.channels.config import Channel
from orderwell.store.db import Database
from orderwell.store.per_database import PerDatabase


@dataclass(frozen=True, slots=True)
class KnownChannel:
    channel: Channel
    row: tuple[Any, ...]  # the ``channels`` row as read, compared again by the group


class KnownChannels:
    def __init__(self) -> None:
        self._by_name: dict[str, KnownChannel] = {}

    def get(self, name: str) -> KnownChannel | None:
        return self._by_name.get(name)

    def remember(self, row: Any, channel: Channel) -> None:
        if channel.active:
            self._by_name[channel.name] = KnownChannel(channel, tuple(row))
        else:
            self._by_name.pop(channel.name, None)

    def forget(self, name: str) -> None:
        self._by_name.pop(name, None)


_known: PerDatabase[KnownChannels] = PerDatabase(lambda db: KnownChannels())


def known_channels(db: Database) -> KnownChannels:
    """The database's channels as this process last read them."""
    return _known(db)
