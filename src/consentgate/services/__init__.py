"""Use cases that tie domain, policy, ledger and store together, wired in one place (``wiring``)."""
