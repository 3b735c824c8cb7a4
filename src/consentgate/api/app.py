"""The FastAPI application: routers, problem details, and the services behind them."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from consentgate import __version__
from consentgate.api import problems
from consentgate.config import Settings
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.web import pages


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app. Without ``services``, connect to ``settings.database_url`` and migrate it."""
    if services is None:
        db = Database.connect(settings.database_url)
        upgrade(db)
        services = Services(settings, db)
    app = FastAPI(
        title="consentgate",
        version=__version__,
        summary="Partner access to personal data, only with consent, always logged.",
    )
    app.state.settings = settings
    app.state.services = services
    problems.install(app)

    @app.get("/healthz", response_class=PlainTextResponse, tags=["operations"])
    def healthz() -> str:
        """Liveness: answers ``ok`` when the process serves requests."""
        return "ok"

    app.include_router(pages.router)
    return app
