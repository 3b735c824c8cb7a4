"""The whole schema in one ``metadata``: the foundation tables plus every module that adds its own.

Import this (not ``tables``) wherever the complete schema matters: migrations, the schema test.
"""

from __future__ import annotations

from consentgate.store.tables import metadata

__all__ = ["metadata"]
