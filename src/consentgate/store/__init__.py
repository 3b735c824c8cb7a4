"""Storage: the only place in consentgate that speaks SQL (SQLAlchemy Core, SQLite or PostgreSQL)."""

from consentgate.store.db import Database

__all__ = ["Database"]
