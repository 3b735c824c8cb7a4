"""consentgate: partner access to personal data, only with consent, always logged.

The public surface is small on purpose; see ``__all__``.
"""

from consentgate.errors import Error

__all__ = ["Error", "__version__"]
__version__ = "0.1.0"
