"""The drop folder: partners' files come into ``in/``, our answers go out of ``out/``.

    DIR/in/        files to read (any name; dot-files and *.part are still being written)
    DIR/out/       our 997s, and the 855s, 856s and 810s made on events (or sent with
                   --out), for the partner to fetch
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
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.edi.receiving import Received, receive_file
from orderwell.domain.edi import Direction, DocumentStatus
from orderwell.store.db import Database
from orderwell.store.tables_edi import edi_documents, edi_partners

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


def hand_over(db: Database, folder: Path) -> list[str]:
    """Write the documents made on events (``ready``) to ``out/`` and mark them sent.

    The file is written before the mark: a crash between the two writes it again under the
    same name (the partner sees a repeated interchange number, which translators expect to
    drop), never loses it.
    """
    d = edi_documents.c
    with db.read() as conn:
        ready = conn.execute(
            sa.select(d.id, d.set_id, d.interchange_control, d.body, edi_partners.c.code)
            .join(edi_partners, edi_partners.c.id == d.partner_id)
            .where(d.direction == Direction.OUTBOUND, d.status == DocumentStatus.READY)
            .order_by(d.id)
        ).all()
    names = []
    for doc in ready:
        name = f"{doc.set_id}-{doc.code}-{doc.interchange_control}.edi"
        write_out(folder, name, doc.body)
        db.write(partial(_mark_sent, doc_id=int(doc.id)))
        names.append(name)
    return names


def _mark_sent(conn: Connection, *, doc_id: int) -> None:
    d = edi_documents.c
    conn.execute(
        sa.update(edi_documents)
        .where(d.id == doc_id, d.status == DocumentStatus.READY)
        .values(status=DocumentStatus.SENT)
    )


def process_folder(
    db: Database, folder: Path, *, actor: str, settle_seconds: float = 1.0
) -> list[Handled]:
    """Hand over what is ready, then handle every file waiting in ``in/``, oldest first."""
    prepare(folder)
    hand_over(db, folder)
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
