"""The FastAPI application: routers, error handling, and the shared database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from orderwell import __version__
from orderwell.aftersale import routes as aftersale_routes
from orderwell.config import Settings, get_settings
from orderwell.console.site import create_console
from orderwell.http import errors
from orderwell.http.limits import BodySizeLimit, RefuseNulInUrl
from orderwell.http.responses import JSON
from orderwell.http.tokens import TokenVerifier
from orderwell.inventory import catalog_routes, warehouse_routes
from orderwell.inventory import routes as inventory_routes
from orderwell.orders import routes as order_routes
from orderwell.orders.group_commit import configure as configure_group_commit
from orderwell.outbound import routes as outbound_routes
from orderwell.outbound import tracking_page
from orderwell.review import routes as review_routes
from orderwell.store.db import Database
from orderwell.warehouse import carrier_scan_routes
from orderwell.warehouse import routes as floor_routes

ROUTERS = [
    catalog_routes.router,
    warehouse_routes.router,
    inventory_routes.router,
    order_routes.router,
    aftersale_routes.router,
    outbound_routes.router,
    tracking_page.router,
    floor_routes.router,
    carrier_scan_routes.router,
    review_routes.router,
]

# Routes anyone may call: liveness, the API's own documentation, and the customer's
# tracking page (its unguessable token is the key).
PUBLIC_PATHS = frozenset(
    {
        "/health",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/redoc",
        "/track/{token}",
        "/track/{token}/return",
        "/track/{token}/returns/{rma}/label.pdf",
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


def create_app(
    db: Database | None = None, settings: Settings | None = None, *, worker: bool | None = None
) -> FastAPI:
    """``worker``: run the outbox worker in a thread; by default only when the app opens its
    own database (``orderwell serve``) and ORDERWELL_INPROCESS_WORKER says so (SQLite)."""
    from orderwell.outbound.worker import wants_inprocess_worker

    settings = settings or get_settings()
    run_worker = worker if worker is not None else db is None and wants_inprocess_worker(settings)
    db = db or Database.from_url(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    app = FastAPI(
        title="Orderwell",
        version=__version__,
        description="Order management: orders from every channel, stock you can trust.",
        default_response_class=JSON,
        lifespan=_lifespan(db, settings) if run_worker else None,
    )
    app.state.db = db
    configure_group_commit(
        db,
        max_orders=settings.group_commit_max_orders,
        max_wait=settings.group_commit_wait_us / 1_000_000,
        writers=settings.group_commit_writers,
    )
    app.state.tokens = TokenVerifier(db, ttl=settings.token_cache_seconds)
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RefuseNulInUrl)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/console", create_console(db, settings, app.state.tokens))

    @app.get("/health", tags=["meta"])
    def health() -> JSON:
        return JSON({"status": "ok", "version": __version__})

    return app
