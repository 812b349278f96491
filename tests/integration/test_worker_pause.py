"""The worker's waits between passes: ``worker_poll_seconds`` after a pass that found
nothing, ``worker_busy_pause_seconds`` after one that found work (so that under load a
pass takes a larger batch and its fixed cost is paid less often)."""

from __future__ import annotations

import pytest

from orderwell.config import Settings
from orderwell.outbound.worker import TickReport, Worker
from orderwell.store.db import Database


class _Stop:
    """A stop event that records the waits and ends the loop after ``passes``."""

    def __init__(self, passes: int) -> None:
        self.passes = passes
        self.waits: list[float] = []

    def is_set(self) -> bool:
        return len(self.waits) >= self.passes

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_a_busy_pass_is_followed_by_the_short_pause_an_idle_one_by_the_poll(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = iter([TickReport(fanned_out=3), TickReport(), TickReport(channel_work=1)])
    monkeypatch.setattr(Worker, "tick", lambda self, **_: next(reports))
    settings = Settings(worker_poll_seconds=1.5, worker_busy_pause_seconds=0.25)
    worker = Worker(db, settings)
    try:
        stop = _Stop(passes=3)
        worker.run(stop)  # type: ignore[arg-type]
    finally:
        worker.close()
    assert stop.waits == [0.25, 1.5, 0.25]
