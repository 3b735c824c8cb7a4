"""The HTTP API (FastAPI): thin routers over the service layer; errors become RFC 9457 problems."""
