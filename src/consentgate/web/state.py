"""The application's state, built once by :func:`consentgate.api.app.create_app`, and the FastAPI
dependencies through which routes reach it.

Everything a request needs is made when the app is built — the services, the OAuth authorization
server, the session cookies (people's and staff's), the admin credentials, the login — so nothing is created on a first
request and a broken setting shows at start. The running parts (decision index, log sequencer)
start and stop with the app (:class:`Lifecycle`). This module sits with the pages, the lower of
the two HTTP edges, because the routes of both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, Request

from consentgate.config import Settings
from consentgate.domain import Person
from consentgate.errors import Unavailable
from consentgate.oauth.server import ConsentgateAuthorizationServer
from consentgate.services.wiring import Running, Services
from consentgate.web.session import SessionCookies


class PersonLogin(Protocol):
    """How a person proves who they are: the hook for a platform's own login."""

    def authenticate(self, handle: str, password: str) -> Person | None:
        """The person with these credentials, or None. Must not tell which part was wrong."""
        ...


@dataclass(frozen=True, slots=True)
class AdminCredentials:
    """The admin API's bearer token; None keeps the admin API closed (503)."""

    token: str | None


class Lifecycle:
    """Starts the services with the app and stops them with it; holds the running parts between.

    Requests are served only between the two, so :attr:`running` fails closed (503) otherwise.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._running: Running | None = None

    def start(self) -> Running:
        self._running = self._services.start()
        return self._running

    def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.stop()

    @property
    def running(self) -> Running:
        if self._running is None:
            raise Unavailable("the server is not running")
        return self._running


@dataclass(frozen=True, slots=True)
class AppState:
    """What the app is made of, built once."""

    settings: Settings
    services: Services
    authorization: ConsentgateAuthorizationServer
    cookies: SessionCookies
    #: The console's session cookie (staff), sent only under ``/console``.
    console_cookies: SessionCookies
    admin: AdminCredentials
    person_login: PersonLogin
    lifecycle: Lifecycle


def install(app: FastAPI, state: AppState) -> None:
    """Make ``state`` the app's state (``create_app`` does this once)."""
    app.state.consentgate = state


def state_of(app: FastAPI) -> AppState:
    """The state an app was built with."""
    state = getattr(app.state, "consentgate", None)
    if not isinstance(state, AppState):
        raise TypeError("this app was not built by consentgate.api.app.create_app")
    return state


# The dependencies below are ``async`` although they do not wait for anything: FastAPI runs a plain
# ``def`` dependency in its thread pool, one thread hand-off per dependency per request.
async def app_state(request: Request) -> AppState:
    return state_of(request.app)


State = Annotated[AppState, Depends(app_state)]


async def services(state: State) -> Services:
    return state.services


async def running(state: State) -> Running:
    return state.lifecycle.running


async def session_cookies(state: State) -> SessionCookies:
    return state.cookies


async def console_cookies(state: State) -> SessionCookies:
    return state.console_cookies


async def authorization_server(state: State) -> ConsentgateAuthorizationServer:
    return state.authorization


async def person_login(state: State) -> PersonLogin:
    return state.person_login


ServicesDep = Annotated[Services, Depends(services)]
RunningDep = Annotated[Running, Depends(running)]
CookiesDep = Annotated[SessionCookies, Depends(session_cookies)]
ConsoleCookiesDep = Annotated[SessionCookies, Depends(console_cookies)]
AuthorizationDep = Annotated[ConsentgateAuthorizationServer, Depends(authorization_server)]
PersonLoginDep = Annotated[PersonLogin, Depends(person_login)]
