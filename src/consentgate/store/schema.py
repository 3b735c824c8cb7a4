"""The whole schema in one ``metadata``: the foundation tables plus every module that adds its own.

Import this (not ``tables``) wherever the complete schema matters: migrations, the schema test.
"""

from __future__ import annotations

import consentgate.store.coordination
import consentgate.store.history
import consentgate.store.log
import consentgate.store.quota
import consentgate.store.signin
import consentgate.store.staff  # noqa: F401 - importing registers the module's tables
from consentgate.store.tables import metadata

__all__ = ["metadata"]
