"""The FastAPI application: routers, error handling, and the shared database."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from orderwell import __version__
from orderwell.aftersale import routes as aftersale_routes
from orderwell.channels import csv_routes, edi_routes
from orderwell.channels import routes as channel_routes
from orderwell.config import Settings, get_settings
from orderwell.console.site import create_console
from orderwell.http import api_docs, errors, openapi, ops_routes, token_routes
from orderwell.http.hot_lane import HotLane
from orderwell.http.limits import BodySizeLimit, RefuseNulInUrl
from orderwell.http.metrics import Metrics
from orderwell.http.request_ids import RequestObserver
from orderwell.http.responses import JSON
from orderwell.http.tokens import TokenVerifier
from orderwell.inventory import catalog_routes, warehouse_routes
from orderwell.inventory import routes as inventory_routes
from orderwell.orders import routes as order_routes
from orderwell.orders.group_commit import configure as configure_group_commit
from orderwell.outbound import routes as outbound_routes
from orderwell.outbound import tracking_page
from orderwell.outbound.tracking_links import tracking_url
from orderwell.review import routes as review_routes
from orderwell.store.db import Database
from orderwell.warehouse import carrier_scan_routes
from orderwell.warehouse import routes as floor_routes

# The intake routers first: a request is matched against the routers in this order, and
# FastAPI tries every route of every router before the one that answers (twice). Last,
# the webhook route cost 15 % of a server's CPU under load in matching alone. No two
# routes answer the same method and path (tests/e2e/test_route_order.py), so the order
# changes only how long it takes to find the one.
ROUTERS = [
    order_routes.router,
    channel_routes.router,
    catalog_routes.router,
    warehouse_routes.router,
    inventory_routes.router,
    aftersale_routes.router,
    outbound_routes.router,
    tracking_page.router,
    floor_routes.router,
    carrier_scan_routes.router,
    token_routes.router,
    ops_routes.router,
    edi_routes.router,
    csv_routes.router,
    review_routes.router,
]

# Routes anyone may call: liveness, the API's own documentation, and the customer's
# tracking page (its unguessable token is the key).
PUBLIC_PATHS = frozenset(
    {
        *ops_routes.PATHS,
        *api_docs.PATHS,
        "/openapi.json",
        "/track/{token}",
        "/track/{token}/return",
        "/track/{token}/returns/{rma}/label.pdf",
        # Signed by the channel's shared secret instead of a bearer token.
        "/channels/{name}/webhooks",
        # The console: its own login and sessions guard every page (console/frame.py).
        "/console",
    }
)


def _lifespan(
    db: Database, settings: Settings
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the in-process worker with the app and stop it, finishing its pass, after."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from orderwell.outbound.worker import start_in_thread

        thread, stop = start_in_thread(db, settings)
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=30)

    return lifespan


@asynccontextmanager
async def _worker_process(_app: FastAPI) -> AsyncIterator[None]:
    """The worker of ``orderwell serve`` in a child process (outbound/worker_process.py):
    the API's event loop and group committer keep this process's interpreter lock."""
    from orderwell.outbound.worker_process import WorkerProcess

    child = WorkerProcess(os.getpid())
    child.start()
    try:
        yield
    finally:
        child.stop()


def create_app(
    db: Database | None = None, settings: Settings | None = None, *, worker: bool | None = None
) -> FastAPI:
    """``worker=True``: run the outbox worker in a thread of this process. By default
    ``orderwell serve`` (an app that opens its own database) runs it, as a child process,
    when ORDERWELL_INPROCESS_WORKER says so (the default on SQLite).

    The app and the services its routes call share one ``Settings``: the ones given, else
    those ``db`` carries, else the environment's. Given both, ``db`` takes ``settings``.
    """
    from orderwell.outbound.worker import wants_inprocess_worker

    from_environment = settings is None and db is None
    if settings is None:
        settings = db.settings if db is not None else get_settings()
    elif db is not None:
        db.settings = settings
    if db is None and settings.log_format == "json":
        # The served app (every worker process of ``orderwell serve``); tests bring a db.
        from orderwell.http import logs

        logs.configure(settings.log_level)
    run_worker = worker if worker is not None else db is None and wants_inprocess_worker(settings)
    served = db is None  # a worker process of ``orderwell serve``; tests bring their own db
    # Served with the environment's settings, the worker is a process of its own that
    # reads the same environment; otherwise (tests, embedding) a thread given these.
    db = db or Database.from_settings(settings)
    lifespan = None
    if run_worker:
        own_process = served and from_environment and worker is None
        lifespan = _worker_process if own_process else _lifespan(db, settings)
    app = FastAPI(
        title="Orderwell",
        version=__version__,
        description="Order management: orders from every channel, stock you can trust.",
        default_response_class=JSON,
        docs_url=None,  # served from the package instead: api_docs.install
        redoc_url=None,
        lifespan=lifespan,
        # Orderwell keeps its own metrics and logs (/metrics, JSON logs); FastAPI's
        # OpenTelemetry hooks otherwise look for a tracer in the environment per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.db = db
    configure_group_commit(
        db,
        max_orders=settings.group_commit_max_orders,
        max_wait=settings.group_commit_wait_us / 1_000_000,
        writers=settings.group_commit_writers,
    )
    app.state.settings = settings
    app.state.tokens = TokenVerifier(db, ttl=settings.token_cache_seconds)
    app.state.metrics = Metrics(db)
    app.state.tracking_page_url = functools.partial(tracking_url, db)
    errors.install(app)
    app.add_middleware(HotLane, owner=app)  # innermost: after the observer and the limits
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RefuseNulInUrl)
    # Added last, so outermost: even a refused oversized body is counted and logged.
    app.add_middleware(RequestObserver, metrics=app.state.metrics)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/console", create_console(db, settings, app.state.tokens))
    api_docs.install(app)
    openapi.install(app)
    if served:
        _settle_heap()
    return app


def _settle_heap() -> None:
    """Take what start-up built (modules, routes, schemas, the country list) out of the
    garbage collector's full passes. Each full pass walked all of it - mostly to
    find nothing to free - and stopped the process for 115-156 ms at a time under load:
    that was the p99 of an API worker (docs/benchmarks.md). ``gc.freeze`` keeps those
    objects for good, which start-up objects are anyway."""
    gc.collect()
    gc.freeze()
