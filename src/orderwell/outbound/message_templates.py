"""The shop's own wording of its customer messages, edited in the console.

A kind has the package's templates until the shop saves its own (``message_templates``);
resetting deletes the row. A wording is tried on the kind's sample context
(``message_samples``) before it is stored, so a typo, an unknown variable or a template
reaching outside the sandbox is refused with the field it is in, and the messages
already queued keep rendering. Messages render with the wording current when they are
sent (``jobs.MessageJobs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import jinja2
import sqlalchemy as sa
from jinja2.sandbox import SecurityError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput
from orderwell.inventory.stock import upsert
from orderwell.outbound.message_render import (
    MESSAGE_KINDS,
    Wording,
    package_wording,
    render_message,
)
from orderwell.outbound.message_samples import SAMPLE_BRAND, sample_context
from orderwell.store.db import Database
from orderwell.store.tables_outbound import message_templates


class WordingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: Annotated[str, Field(min_length=1, max_length=300)]
    text_body: Annotated[str, Field(min_length=1, max_length=20_000)]
    html_body: Annotated[str, Field(min_length=1, max_length=50_000)]


@dataclass(frozen=True, slots=True)
class KindWording:
    kind: str
    wording: Wording
    customised: bool


def _known(kind: str) -> str:
    if kind not in MESSAGE_KINDS:
        raise InvalidInput(f"'{kind}' is not a message kind", field="kind")
    return kind


def shop_wording(conn: Connection, kind: str) -> Wording | None:
    """The shop's own wording of ``kind``, or None for the package's."""
    row = conn.execute(sa.select(message_templates).where(message_templates.c.kind == kind)).first()
    return None if row is None else Wording(row.subject, row.text_body, row.html_body)


def wording_of(conn: Connection, kind: str) -> KindWording:
    own = shop_wording(conn, _known(kind))
    return KindWording(kind, own or package_wording(kind), own is not None)


def customised_kinds(conn: Connection) -> set[str]:
    return set(conn.execute(sa.select(message_templates.c.kind)).scalars())


def _field_of(exc: jinja2.TemplateSyntaxError) -> str:
    """Which of the three a syntax error is in: Jinja names the template it compiled."""
    name = exc.name or ""
    if name.endswith(".html.j2"):
        return "html_body"
    return "text_body" if name.endswith(".txt.j2") else "subject"


def try_wording(kind: str, wording: Wording) -> None:
    """Render the sample with it; InvalidInput naming the field when it cannot."""
    try:
        render_message(kind, sample_context(kind), SAMPLE_BRAND, wording)
    except jinja2.TemplateSyntaxError as exc:
        field = _field_of(exc)
        raise InvalidInput(f"{field}: line {exc.lineno}: {exc.message}", field=field) from None
    except SecurityError as exc:
        field = _failing_field(kind, wording)
        raise InvalidInput(f"{field}: not allowed in a template: {exc}", field=field) from None
    except jinja2.UndefinedError as exc:
        field = _failing_field(kind, wording)
        raise InvalidInput(
            f"{field}: {exc.message}: the {kind} message has no such value", field=field
        ) from None


def _failing_field(kind: str, wording: Wording) -> str:
    """Render each part alone beside the package's others to name the one that fails."""
    package = package_wording(kind)
    for field, trial in (
        ("subject", Wording(wording.subject, package.text_body, package.html_body)),
        ("text_body", Wording(package.subject, wording.text_body, package.html_body)),
    ):
        try:
            render_message(kind, sample_context(kind), SAMPLE_BRAND, trial)
        except (jinja2.UndefinedError, SecurityError):
            return field
    return "html_body"


def save_wording(db: Database, kind: str, item: WordingIn, *, actor: str) -> None:
    wording = Wording(item.subject, item.text_body, item.html_body)
    try_wording(_known(kind), wording)

    def work(conn: Connection) -> None:
        row = {**item.model_dump(), "kind": kind, "updated_at": db.clock(), "updated_by": actor}
        upsert(conn, message_templates, "kind", [row])

    db.write(work)


def reset_wording(db: Database, kind: str) -> bool:
    """Back to the package's wording; False when the shop had none of its own."""
    _known(kind)
    return bool(
        db.write(
            lambda conn: (
                conn.execute(
                    sa.delete(message_templates).where(message_templates.c.kind == kind)
                ).rowcount
            )
        )
    )
