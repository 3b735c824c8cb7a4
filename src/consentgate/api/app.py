"""The FastAPI application: routers, problem details, and the services behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from consentgate import __version__
from consentgate.api import account, admin, data, deletions, history, log, oauth, problems
from consentgate.api.body_limit import BodyLimit
from consentgate.config import Settings
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.web import login, pages


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app. Without ``services``, connect to ``settings.database_url`` and migrate it.

    The running parts (decision index, log sequencer) start with the app and stop with it.
    """
    if services is None:
        db = Database.connect(settings.database_url)
        upgrade(db)
        services = Services(settings, db)
    running = services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running.start()
        # Proofs and tiles come from the sequencer's own reader (one tile cache per process).
        app.state.log_reader = running.log.reader
        try:
            yield
        finally:
            running.stop()

    app = FastAPI(
        title="consentgate",
        version=__version__,
        summary="Partner access to personal data, only with consent, always logged.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    problems.install(app)
    app.add_middleware(BodyLimit)

    @app.get("/healthz", response_class=PlainTextResponse, tags=["operations"])
    def healthz() -> str:
        """Liveness: answers ``ok`` when the process serves requests."""
        return "ok"

    app.include_router(pages.router)
    app.include_router(data.router)
    app.include_router(log.router)
    app.include_router(admin.router)
    app.include_router(deletions.router)
    app.include_router(oauth.router)
    app.include_router(login.router)
    app.include_router(account.router)
    app.include_router(history.router)
    return app
