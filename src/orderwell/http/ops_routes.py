"""What operators and orchestrators call: ``/health`` (alive), ``/ready`` (can serve:
the database answers and, when configured, NATS accepts connections), ``/metrics``."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from orderwell import __version__
from orderwell.config import Settings
from orderwell.http.answers import Health, Ready
from orderwell.http.deps import get_app_settings, get_db
from orderwell.http.metrics import Metrics
from orderwell.http.responses import JSON
from orderwell.store.db import Database

router = APIRouter(tags=["operations"])
PATHS = frozenset({"/health", "/ready", "/metrics"})


@router.get("/health", response_model=Health)
def health() -> JSON:
    """The process is up. Says nothing of the database: see ``/ready``."""
    return JSON({"status": "ok", "version": __version__})


def _database_ok(db: Database) -> str | None:
    try:
        with db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"database: {type(exc).__name__}"
    return None


def _nats_ok(url: str, timeout: float = 2.0) -> str | None:
    """A NATS server greets every new connection with an INFO line; wait for it."""
    parts = urlsplit(url.split(",")[0].strip())
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 4222), timeout=timeout
        ) as sock:
            greeting = sock.recv(5)
    except OSError as exc:
        return f"nats: {type(exc).__name__}"
    return None if greeting.startswith(b"INFO") else "nats: not a NATS server"


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
def ready(db: Database = Depends(get_db), settings: Settings = Depends(get_app_settings)) -> JSON:
    """200 when this process can serve: the database answers and, when an event stream
    is configured, NATS does. 503 with what failed otherwise."""
    checks = {"database": _database_ok(db)}
    if settings.nats_url:
        checks["nats"] = _nats_ok(settings.nats_url)
    failed = [problem for problem in checks.values() if problem]
    return JSON(
        {
            "status": "unavailable" if failed else "ready",
            "checks": {name: problem or "ok" for name, problem in checks.items()},
        },
        status_code=503 if failed else 200,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
