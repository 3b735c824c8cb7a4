"""The OAuth 2.0 authorization server, built on Authlib's RFC implementations.

RFC 9396 authorization details of type ``consentgate_access`` are read and written by
:mod:`consentgate.domain.details`.

- ``models``: the client, code and token objects Authlib asks for, made from the services' rows;
- ``requests``: the adapter from a Starlette request to Authlib's ``OAuth2Request``;
- ``grants``: the authorization code grant (RFC 6749 §4.1) with PKCE S256 only (RFC 7636),
  refresh with rotation (RFC 6749 §6, RFC 9700 §4.14.2), introspection (RFC 7662) and
  revocation (RFC 7009);
- ``server``: the ``AuthorizationServer`` that ties them to the services.
"""
