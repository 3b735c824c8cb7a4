"""Fixtures of the tests of many server processes."""

from __future__ import annotations

from .postgres import throwaway_postgres

__all__ = ["throwaway_postgres"]
