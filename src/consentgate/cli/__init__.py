"""The ``consentgate`` command line: one Typer module per command group, errors rendered in ``main``."""
