"""The consent screen of the authorization endpoint (RFC 6749 §4.1.1-§4.1.2).

The person sees the partner, each requested category and action with the purpose text, the
agreement's end date, the grant's expiry and what their current settings would block, then
chooses Allow or Deny. The lines of the consent statement are the receipt: Allow records exactly
that text with the grant (``GrantService.record_grant``), and the form carries the statement's
digest, so if anything changed between showing and allowing, the person sees it again instead
of agreeing to something they were not shown.

These functions are synchronous (they call Authlib and the services) and run in a worker thread.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consentgate.domain import GrantScope
from consentgate.errors import Error
from consentgate.oauth.grants import InvalidAuthorizationDetails, error_text
from consentgate.oauth.requests import CapturedRequest, ConsentgateOAuth2Request
from consentgate.oauth.server import ConsentgateAuthorizationServer
from consentgate.problems import problem_response
from consentgate.services.wiring import Services
from consentgate.web.headers import page_policy
from consentgate.web.pages import templates
from consentgate.web.people import csrf_refused
from consentgate.web.session import current_session
from consentgate.web.state import AppState

#: The consent page must never be cached; the framing and script rules are ``web/headers.py``'s.
PAGE_HEADERS = {"Cache-Control": "no-store"}


def page_headers(redirect_uri: str | None) -> dict[str, str]:
    """:data:`PAGE_HEADERS`, with the pages' policy (``web/headers.py``) letting the form end at
    the client's (already validated, exactly registered) redirect URI: browsers apply
    ``form-action`` to the redirect that follows Allow or Deny, so ``'self'`` alone would stop the
    person on the consent page."""
    if not redirect_uri:
        return PAGE_HEADERS
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    return {**PAGE_HEADERS, "Content-Security-Policy": page_policy((origin,))}


_ACTION_WORDS = {"read": "read", "write": "write into"}


@dataclass(frozen=True, slots=True)
class ConsentItem:
    category: str
    action: str
    purpose_id: str
    purpose_text: str
    blocked: str | None


@dataclass(frozen=True, slots=True)
class ConsentView:
    """Everything the consent screen shows, and the receipt text made from it."""

    partner_id: str
    partner_name: str
    client_name: str
    items: tuple[ConsentItem, ...]
    agreement_version: int
    agreement_end: str
    grant_expires: str
    receipt_lines: tuple[str, ...]

    @property
    def receipt_text(self) -> str:
        return "\n".join(self.receipt_lines)

    @property
    def receipt_digest(self) -> str:
        return hashlib.sha256(self.receipt_text.encode("utf-8")).hexdigest()


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def build_view(services: Services, oauth_request: Any, person_id: str, vkey: str) -> ConsentView:
    """The consent screen for a validated authorization request and a signed-in person;
    ``vkey`` is the log's verifier key, which the receipt names."""
    scopes: frozenset[GrantScope] = oauth_request.scopes
    partner = oauth_request.partner
    agreement = oauth_request.agreement
    purposes = {p.id: p.description for p in services.partners.list_purposes()}
    settings = services.people.get_settings(person_id)
    now = services.clock()
    expires = min(now + timedelta(days=services.grants.grant_days), agreement.end)
    items = []
    for s in sorted(scopes):
        blocked = None
        if not settings.share_with_partners:
            blocked = "sharing with partners is off"
        elif s.category not in settings.categories:
            blocked = f"{s.category.value} is switched off"
        items.append(
            ConsentItem(
                s.category.value, s.action.value, s.purpose, purposes.get(s.purpose, ""), blocked
            )
        )
    lines = [f"{partner.name} ({partner.id}) asks, through {oauth_request.client.row.name}, to:"]
    for item in items:
        lines.append(
            f"- {_ACTION_WORDS.get(item.action, item.action)} your {item.category}, "
            f"for: {item.purpose_text} [{item.purpose_id}]"
        )
    lines.append(
        f"Under version {agreement.version} of its agreement with the platform, "
        f"in force until {_day(agreement.end)}."
    )
    lines.append(f"This permission ends on {_day(expires)} unless you revoke it earlier.")
    lines.append(
        "Every access under it is written to the transparency log, whose checkpoints verify "
        f"with the key {vkey} (published at /log/vkey)."
    )
    blocked_now = sorted({i.category for i in items if i.blocked})
    if blocked_now:
        lines.append(
            "Your current settings would block: "
            f"{', '.join(blocked_now)}. Nothing of these reaches the partner unless you change them."
        )
    else:
        lines.append("Your current settings allow all of this.")
    return ConsentView(
        partner_id=partner.id,
        partner_name=partner.name,
        client_name=oauth_request.client.row.name,
        items=tuple(items),
        agreement_version=agreement.version,
        agreement_end=_day(agreement.end),
        grant_expires=_day(expires),
        receipt_lines=tuple(lines),
    )


def _login_redirect(captured: CapturedRequest) -> Response:
    target = "/oauth/authorize?" + urlencode(captured.query)
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def _render(
    request: Request,
    services: Services,
    captured: CapturedRequest,
    oauth_request: Any,
    person_id: str,
    csrf: str,
    *,
    vkey: str,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    view = build_view(services, oauth_request, person_id, vkey)
    person = services.people.get_person(person_id)
    context = {
        "view": view,
        "csrf_token": csrf,
        "action": "/oauth/authorize?" + urlencode(captured.query),
        "notice": notice,
        "person_name": person.display_name,
    }
    return templates.TemplateResponse(
        request,
        "consent.html",
        context,
        status_code=status,
        headers=page_headers(oauth_request.payload.redirect_uri),
    )


#: Parameters Authlib quotes in its ``error_description`` (an unsupported ``response_type``, an
#: unregistered ``redirect_uri``). Authlib raises ``ValueError`` instead of an OAuth error when
#: the quoted value holds a character RFC 6749 §4.1.2.1 forbids there, so they are checked first.
_ECHOED_PARAMETERS = ("response_type", "redirect_uri")


def _unechoable(captured: CapturedRequest) -> OAuth2Error | None:
    """An ``invalid_request`` (sent to the browser, never redirected) when an echoed parameter
    holds a character outside ``%x20-21 / %x23-5B / %x5D-7E``. No registered redirect URI or
    supported response type contains one (RFC 3986 §2 has no ``"``, ``\\``, controls or
    non-ASCII in a URI), so nothing valid is refused."""
    for name in _ECHOED_PARAMETERS:
        for key, value in captured.query:
            if key == name and invalid_error_characters(value):
                return InvalidRequestError(f"{name} holds characters RFC 6749 does not allow")
    return None


def _validated(
    server: ConsentgateAuthorizationServer, captured: CapturedRequest, person_id: str | None
) -> Any:
    """Authlib's validated grant for the request, or the OAuth error response to send."""
    response: Response
    unechoable = _unechoable(captured)
    if unechoable is not None:
        response = server.handle_error_response(None, unechoable)
        return response
    try:
        oauth_request = ConsentgateOAuth2Request(captured, from_query=True)
        return server.get_consent_grant(oauth_request, end_user=person_id)
    except OAuth2Error as err:
        response = server.handle_error_response(None, err)
        return response
    except ValueError:
        # Authlib's refusal to build an error whose description would break RFC 6749 §5.2
        # (the check above should leave none): still a refused request, not a server error.
        refused = InvalidRequestError("the request holds characters RFC 6749 does not allow")
        response = server.handle_error_response(None, refused)
        return response


def authorize_page(request: Request, captured: CapturedRequest, state: AppState) -> Response:
    """``GET /oauth/authorize``: validate, then ask the person to sign in, then show the screen."""
    services, server = state.services, state.authorization
    session = current_session(request, state.cookies, services.sessions)
    grant = _validated(server, captured, session.person_id if session else None)
    if isinstance(grant, Response):
        return grant
    if session is None or session.person_id is None:
        return _login_redirect(captured)
    vkey = state.lifecycle.running.log.verifier_key
    return _render(
        request, services, captured, grant.request, session.person_id, session.csrf, vkey=vkey
    )


def authorize_decision(request: Request, captured: CapturedRequest, state: AppState) -> Response:
    """``POST /oauth/authorize``: the person's Allow or Deny, CSRF-checked."""
    services, server = state.services, state.authorization
    session = current_session(request, state.cookies, services.sessions)
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return csrf_refused()
    if session.person_id is None:
        return _login_redirect(captured)
    person_id = session.person_id
    grant = _validated(server, captured, person_id)
    if isinstance(grant, Response):
        return grant
    decision = captured.form_value("decision")
    if decision == "deny":
        denied: Response = server.create_authorization_response(
            grant.request, grant_user=None, grant=grant
        )
        return denied
    if decision != "allow":
        return problem_response(400, "invalid-input", "decision must be allow or deny")
    vkey = state.lifecycle.running.log.verifier_key
    view = build_view(services, grant.request, person_id, vkey)
    shown = (captured.form_value("receipt_digest") or "").encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(view.receipt_digest.encode("ascii"), shown):
        notice = "What is asked changed since the page was shown. Please read it again."
        return _render(
            request,
            services,
            captured,
            grant.request,
            person_id,
            session.csrf,
            vkey=vkey,
            notice=notice,
            status=409,
        )
    try:
        recorded = services.grants.record_grant(
            person_id,
            view.partner_id,
            grant.request.scopes,
            receipt_text=view.receipt_text,
            client_id=grant.request.client.get_client_id(),
        )
    except Error as err:
        refused = InvalidAuthorizationDetails(
            error_text(err.message),
            redirect_uri=grant.redirect_uri,
            state=grant.request.payload.state,
        )
        failed: Response = server.handle_error_response(None, refused)
        return failed
    grant.request.consent_grant_id = recorded.id
    allowed: Response = server.create_authorization_response(
        grant.request, grant_user=person_id, grant=grant
    )
    return allowed
