"""``orderwell serve``'s outbox worker, in a process of its own beside the API's.

On SQLite ``orderwell serve`` runs the worker itself, so that one command is a whole
shop. It used to run as a thread of the API process, where it shared the interpreter
lock with the event loop and the group committer: under a load of webhooks it took 16 %
of the API process's CPU (docs/benchmarks.md). As a child process it runs on another
core. It is ``orderwell worker --parent PID``, the same command a PostgreSQL deployment
runs as a service, with the same environment and so the same settings.

The API process keeps it running: a child that fails (exits with an error, or is
killed) is started again after a pause, and on shutdown it is asked to stop (SIGTERM:
it finishes its pass) and waited for. A child whose parent is gone (the server was
killed) stops by itself: see ``--parent``.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

log = logging.getLogger("orderwell.worker")

RESTART_PAUSE_S = 1.0
STOP_WAIT_S = 30.0


class WorkerProcess:
    """``start()`` the worker child and keep it running until ``stop()``."""

    def __init__(self, parent_pid: int) -> None:
        self.command = [
            sys.executable,
            "-c",
            "from orderwell.cli import main; main()",
            "worker",
            # As the thread it replaces: the review's readers catch the rollups up when
            # they read. Kept current under load they cost about 7 ms an event, more
            # than placing the order, on the cores the server needs (docs/outbound.md).
            "--no-rollups",
            "--parent",
            str(parent_pid),
        ]
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a child is never started once stop() began
        self._child: subprocess.Popen[bytes] | None = None
        self._keeper = threading.Thread(target=self._keep, name="orderwell-worker-keeper")
        self._keeper.daemon = True

    def start(self) -> None:
        self._keeper.start()

    def _keep(self) -> None:
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return
                self._child = child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)
            code = child.wait()
            # 0: it was asked to stop (SIGTERM, or Ctrl-C reaching the whole group)
            if self._stopping.is_set() or code == 0:
                return
            log.warning("worker process exited with %s; starting it again", code)
            self._stopping.wait(RESTART_PAUSE_S)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                log.warning("worker process did not stop in %.0f s; killed", STOP_WAIT_S)
                child.kill()
                child.wait()
        self._keeper.join(timeout=STOP_WAIT_S)
