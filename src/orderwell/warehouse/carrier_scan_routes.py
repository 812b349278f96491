"""Carrier tracking events in: an aggregator's webhook, and bulk JSON or CSV uploads.

Both read the raw body themselves (a CSV upload is not JSON) and answer with what was
stored and what was a repeat. An event for a tracking number Orderwell never issued is
refused with the field that holds it, and nothing of the batch is stored.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from orderwell.domain.errors import InvalidInput, UnsupportedMediaType
from orderwell.http.deps import get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.store.db import Database
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.scan_formats import (
    parse_easypost_tracker_updated,
    parse_tracking_csv,
    parse_tracking_json,
)

router = APIRouter(prefix="/tracking", tags=["tracking"])

INGEST = Depends(require("tracking:ingest"))


async def _body(request: Request) -> bytes:
    # The app's BodySizeLimit has already refused a body over ORDERWELL_MAX_BODY_BYTES (413).
    return await request.body()


@router.post(
    "/webhook",
    openapi_extra={"requestBody": {"content": {"application/json": {}}, "required": True}},
)
async def webhook(
    request: Request, db: Database = Depends(get_db), who: Principal = INGEST
) -> JSON:
    """An EasyPost ``tracker.created`` / ``tracker.updated`` event body, as delivered."""
    events = parse_easypost_tracker_updated(await _body(request))
    result = await run_in_threadpool(
        ingest_events,
        db,
        events,
        source="webhook",
        actor=who.actor,
        field_of=lambda _i: "result.tracking_code",
    )
    return JSON(asdict(result))


@router.post(
    "/events",
    openapi_extra={
        "requestBody": {"content": {"application/json": {}, "text/csv": {}}, "required": True}
    },
)
async def bulk(
    request: Request,
    carrier: Annotated[str, Query(min_length=1, max_length=40)] = "table",
    db: Database = Depends(get_db),
    who: Principal = INGEST,
) -> JSON:
    """A list of events (JSON) or a CSV file: tracking_number,status,occurred_at,location,description."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await _body(request)
    if kind == "text/csv":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the CSV file is not UTF-8 text", field="body") from None
        events = parse_tracking_csv(text, carrier=carrier)
        field_of = lambda i: f"rows.{i + 2}.tracking_number"  # noqa: E731 - row 1 is the header
    elif kind == "application/json":
        events = parse_tracking_json(body, carrier=carrier)
        field_of = lambda i: f"{i}.tracking_number"  # noqa: E731
    else:
        raise UnsupportedMediaType(
            "send events as 'Content-Type: application/json' or 'text/csv'", field="body"
        )
    if not events:
        raise InvalidInput("no events in the body", field="body")
    result = await run_in_threadpool(
        ingest_events, db, events, source="bulk", actor=who.actor, field_of=field_of
    )
    return JSON(asdict(result))
