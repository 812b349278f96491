"""The drop folder: partners' files come into ``in/``, our answers go out of ``out/``.

    DIR/in/        files to read (any name; dot-files and *.part are still being written)
    DIR/out/       our 997s (and 855/856/810 sent with --out), for the partner to fetch
    DIR/done/      files taken whole
    DIR/rejected/  files refused (nothing created; the 997 in out/ says why)

A file is read only once it has stopped growing, and moved out of ``in/`` after it was
handled, so a crash between the two reads it again: harmless, as orders are idempotent
on (partner, PO number). Files are written to ``out/`` under a temporary name and
renamed, so a partner's pickup never sees half a file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orderwell.channels.edi.receiving import Received, receive_file
from orderwell.store.db import Database

SUBFOLDERS = ("in", "out", "done", "rejected")


@dataclass(frozen=True, slots=True)
class Handled:
    name: str
    received: Received


def prepare(folder: Path) -> None:
    for name in SUBFOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)


def write_out(folder: Path, name: str, text: str) -> Path:
    target = folder / "out" / name
    partial = target.with_name(f".{name}.part")
    partial.write_text(text, encoding="latin-1")
    os.replace(partial, target)
    return target


def _ready(folder: Path, settle_seconds: float) -> list[Path]:
    found = []
    now = time.time()
    for path in sorted((folder / "in").iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.suffix == ".part":
            continue
        if now - path.stat().st_mtime >= settle_seconds:
            found.append(path)
    return found


def process_folder(
    db: Database, folder: Path, *, actor: str, settle_seconds: float = 1.0
) -> list[Handled]:
    """Handle every file now waiting in ``in/``, oldest name first."""
    prepare(folder)
    handled = []
    for path in _ready(folder, settle_seconds):
        received = receive_file(db, path.read_bytes(), filename=path.name, actor=actor)
        for ack in received.acknowledgments:
            write_out(folder, f"997-{ack.partner}-{ack.interchange_control:09d}.edi", ack.text)
        destination = "done" if received.accepted else "rejected"
        os.replace(path, folder / destination / path.name)
        handled.append(Handled(path.name, received))
    return handled


def watch(
    db: Database,
    folder: Path,
    *,
    actor: str,
    interval: float,
    on_file: Callable[[Handled], None],
    stop: Callable[[], bool],
) -> None:
    """Poll ``in/`` every ``interval`` seconds until ``stop()`` says so. Polling, not
    inotify: it works the same on network shares, where partners' SFTP drops often land."""
    while not stop():
        for item in process_folder(db, folder, actor=actor):
            on_file(item)
        time.sleep(interval)
