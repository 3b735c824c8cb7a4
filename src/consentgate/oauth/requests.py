"""The adapter between Starlette and Authlib: a request, read once, as Authlib's ``OAuth2Request``.

Authlib ships no FastAPI server integration. Its framework hooks are
``AuthorizationServer.create_oauth2_request`` / ``create_json_request`` and ``handle_response``;
this module gives them a framework-free, already-read request (``CapturedRequest``), so the
synchronous Authlib code can run in a worker thread without touching the event loop.

Where parameters are read from is fixed per endpoint and never merged:
the authorization endpoint reads its query (RFC 6749 §4.1.1; the consent form's own fields, the
CSRF token and the decision, are not OAuth parameters), the token, introspection and revocation
endpoints read their form body (RFC 6749 §4.1.3, RFC 7662 §2.1, RFC 7009 §2.1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request
from starlette.datastructures import Headers
from starlette.requests import Request

from consentgate.errors import InvalidInput

#: Most fields a form may carry. An OAuth request has about ten.
_MAX_FIELDS = 64


@dataclass(frozen=True, slots=True)
class CapturedRequest:
    """One HTTP request, read: method, URL, headers, query items and form items."""

    method: str
    url: str
    headers: Headers
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]

    def form_value(self, name: str) -> str | None:
        """The single value of a form field; None if absent, refused if repeated."""
        values = [v for k, v in self.form if k == name]
        if len(values) > 1:
            raise InvalidInput(f"the form field {name} appears more than once")
        return values[0] if values else None


async def capture(request: Request) -> CapturedRequest:
    """Read a request's query and (for a form POST) its form, with the field count bounded."""
    form: list[tuple[str, str]] = []
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        async with request.form(max_files=0, max_fields=_MAX_FIELDS) as parsed:
            for key, value in parsed.multi_items():
                if not isinstance(value, str):
                    raise InvalidInput("file uploads are not accepted here")
                form.append((key, value))
    query = tuple(request.query_params.multi_items())
    if len(query) > _MAX_FIELDS:
        raise InvalidInput("too many query parameters")
    return CapturedRequest(request.method, str(request.url), request.headers, query, tuple(form))


class ItemsPayload(OAuth2Payload):  # type: ignore[misc]  # Authlib ships no type information
    """Authlib's view of request parameters: the first value of each, and all values of each."""

    def __init__(self, items: tuple[tuple[str, str], ...]) -> None:
        datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            datalist[key].append(value)
        self._datalist = datalist
        self._data = {key: values[0] for key, values in datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class ConsentgateOAuth2Request(OAuth2Request):  # type: ignore[misc]  # Authlib ships no type information
    """``OAuth2Request`` over a captured request. ``from_query`` picks the parameter source.

    ``scopes``, ``partner``, ``agreement`` and ``consent_grant_id`` carry what validation found
    and what the person decided to the grant that saves the authorization code.
    """

    def __init__(self, captured: CapturedRequest, *, from_query: bool) -> None:
        super().__init__(captured.method, captured.url, headers=captured.headers)
        items = captured.query if from_query else captured.form
        self.payload = ItemsPayload(items)
        self._args = ItemsPayload(captured.query).data
        self._form = ItemsPayload(captured.form).data
        # Set by ``CodeGrant.validate_authorization_request`` (what is asked, of whom, under
        # which agreement) and by the consent screen (the grant the person just gave).
        self.scopes: Any = None
        self.partner: Any = None
        self.agreement: Any = None
        self.consent_grant_id: str | None = None

    @property
    def args(self) -> Mapping[str, str]:
        return self._args

    @property
    def form(self) -> Mapping[str, str]:
        return self._form


class CapturedJsonPayload(JsonPayload):  # type: ignore[misc]  # Authlib ships no type information
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


class ConsentgateJsonRequest(JsonRequest):  # type: ignore[misc]  # Authlib ships no type information
    """``JsonRequest`` over a captured request (used by Authlib's JSON endpoints; none is enabled)."""

    def __init__(self, captured: CapturedRequest) -> None:
        super().__init__(captured.method, captured.url, captured.headers)
        self.payload = CapturedJsonPayload(dict(captured.form))
