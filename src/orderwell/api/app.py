"""The FastAPI application: routers, error handling, and the shared database."""

from __future__ import annotations

from fastapi import FastAPI

from orderwell import __version__
from orderwell.api import errors
from orderwell.api.responses import JSON
from orderwell.api.routers import catalog, inventory, orders, warehouses
from orderwell.config import Settings, get_settings
from orderwell.services.tokens import TokenVerifier
from orderwell.store.db import Database

ROUTERS = [catalog.router, warehouses.router, inventory.router, orders.router]

# Routes anyone may call: liveness and the API's own documentation.
PUBLIC_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})


def create_app(db: Database | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database.from_url(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    app = FastAPI(
        title="Orderwell",
        version=__version__,
        description="Order management: orders from every channel, stock you can trust.",
        default_response_class=JSON,
    )
    app.state.db = db
    app.state.tokens = TokenVerifier(db, ttl=settings.token_cache_seconds)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/health", tags=["meta"])
    def health() -> JSON:
        return JSON({"status": "ok", "version": __version__})

    return app
