"""The FastAPI application, put together in one place: its state, routers and problem details."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from consentgate import __version__, logs
from consentgate.api import (
    account,
    admin,
    certification,
    data,
    deletions,
    findings,
    history,
    log,
    oauth,
    operations,
    problems,
    reports,
)
from consentgate.api.body_limit import BodyLimit
from consentgate.api.reads import PlainReads
from consentgate.config import Settings, load_settings
from consentgate.oauth.server import ConsentgateAuthorizationServer
from consentgate.services import metrics
from consentgate.services.wiring import Services
from consentgate.web import (
    assets,
    history_page,
    login,
    me,
    pages,
    people,
    report_page,
    settings_page,
)
from consentgate.web.console import account as console_account
from consentgate.web.console import activity as console_activity
from consentgate.web.console import auth as console_auth
from consentgate.web.console import exposure as console_exposure
from consentgate.web.console import findings as console_findings
from consentgate.web.console import logpage as console_log
from consentgate.web.console import partners as console_partners
from consentgate.web.console import reports as console_reports
from consentgate.web.headers import SecuredApp
from consentgate.web.session import CONSOLE_COOKIE_NAME, CONSOLE_PATH, SessionCookies
from consentgate.web.state import AppState, Lifecycle, PersonLogin
from consentgate.web.state import install as install_state

#: The modules whose routers the app mounts, in the order their routes are matched.
_EDGES = (
    operations,
    pages,
    data,
    log,
    admin,
    findings,
    reports,
    deletions,
    certification,
    oauth,
    login,
    account,
    history,
    me,
    history_page,
    settings_page,
    report_page,
    console_auth,
    console_partners,
    console_exposure,
    console_findings,
    console_activity,
    console_log,
    console_reports,
    console_account,
    assets,
)


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    person_login: PersonLogin | None = None,
) -> FastAPI:
    """Build the app and everything it is made of, once (:class:`AppState`).

    Without ``services``, connect to ``settings.database_url`` and migrate it. ``person_login``
    replaces the built-in login (``PeopleService.authenticate``) with a platform's own. The
    running parts (decision index, log sequencer) start with the app and stop with it.
    """
    if services is None:
        services = Services.connect(settings, migrate=True)
    logs.configure(settings.log_format, services.clock)
    metrics.enable()  # before the first request counts anything
    state = AppState(
        settings=settings,
        services=services,
        authorization=ConsentgateAuthorizationServer(services),
        cookies=SessionCookies.from_settings(settings),
        console_cookies=SessionCookies.from_settings(
            settings, name=CONSOLE_COOKIE_NAME, path=CONSOLE_PATH
        ),
        admin=admin.admin_credentials(settings),
        person_login=person_login or services.people,
        lifecycle=Lifecycle(services),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The threads blocking work runs on (Starlette's run_in_threadpool): settings.threads.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        state.lifecycle.start()
        try:
            yield
        finally:
            state.lifecycle.stop()

    # SecuredApp: the security headers (web/headers.py) wrap every response, 500s included.
    app = SecuredApp(
        title="consentgate",
        version=__version__,
        summary="Partner access to personal data, only with consent, always logged.",
        lifespan=lifespan,
        # /docs is served by web.assets with a vendored Swagger UI (no CDN, strict CSP); ReDoc
        # would load from a CDN, so it is off.
        docs_url=None,
        redoc_url=None,
    )
    install_state(app, state)
    problems.install(app)
    # A privacy-center page for a signed-out visitor: to the sign-in page, and back afterwards.
    app.exception_handler(people.SignInFirst)(people.sign_in_first)
    for module in _EDGES:
        app.include_router(module.router)
    # Innermost (middleware added first runs last): the data API's plainest reads, answered by
    # the same function as their routes without FastAPI's routing (api/reads.py).
    app.add_middleware(PlainReads, state=state)
    app.add_middleware(BodyLimit)
    # Outside BodyLimit, so a refused body is counted and carries its request id too.
    app.add_middleware(operations.Operations, access_log=settings.log_format == "json")
    return app


#: The collector's thresholds in a serving process (CPython's default is 700, 10, 10).
SERVING_GC_THRESHOLDS = (10_000, 20, 20)


def tune_collector_for_serving() -> None:
    """Run the cyclic garbage collector less often in a process that serves requests.

    A governed read allocates some thousand objects (records, their fields, the log entry), nearly
    all freed by reference counting as soon as it answers; at CPython's default threshold the
    collector ran every few requests anyway: the server's CPU per governed read at 64 connections
    was 3.6–3.7 ms with it and 3.2–3.3 ms without it (docs/benchmarks.md). Cycles are still
    collected, later.
    """
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def app_from_environment() -> FastAPI:
    """The app of one of ``consentgate serve --workers N``'s processes (a uvicorn app factory):
    the settings from the environment the command set, on a database it has migrated already."""
    tune_collector_for_serving()
    settings = load_settings()
    return create_app(settings, Services.connect(settings, migrate=False))
