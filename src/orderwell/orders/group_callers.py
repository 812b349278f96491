"""The group committer's callers: how each waits for its order and gets its answer.

A thread's caller (``place``, ``place_many``) waits on a concurrent ``Future``; the event
loop's (``place_async``) awaits a future of its own loop, and the committer answers all
of one loop's callers in a group with one call into that loop - not one wake-up of the
loop per order - skipping a caller that gave up (a request whose client left).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from orderwell.orders.placing import Pending, Placed


@dataclass(slots=True)
class Job:
    pending: Pending
    # A thread's caller waits on a concurrent Future; the event loop's awaits its own
    # future, which the committer settles with one call into the loop per group.
    future: Future[Placed] | asyncio.Future[Placed]
    loop: asyncio.AbstractEventLoop | None = None


def answer(group: list[Job], outcomes: Sequence[Any]) -> None:
    """Give each caller its outcome: a thread's at once; an event loop's all in one call
    into that loop, rather than a wake-up of the loop per order."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Placed], Any]]] = {}
    for job, outcome in zip(group, outcomes, strict=True):
        if job.loop is None:
            assert isinstance(job.future, Future)
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        else:
            assert isinstance(job.future, asyncio.Future)
            by_loop.setdefault(job.loop, []).append((job.future, outcome))
    for loop, answers in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, answers)


def settle(answers: list[tuple[asyncio.Future[Placed], Any]]) -> None:
    """In the event loop: each awaiting caller's outcome (one that gave up is skipped)."""
    for future, outcome in answers:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
