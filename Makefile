# The two commands: `make run` (the app on the embedded database, with the demo population)
# and `make test` (lint, the layers contract, type check, the whole suite). Both create .venv
# on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The decision engine compiled with mypyc (see src/consentgate/native.py), rebuilt when it changes.
NATIVE := $(VENV)/.native-stamp
NATIVE_SOURCES := $(wildcard src/consentgate/policy/*.py) src/consentgate/ledger/_hashes.c src/consentgate/native.py

.PHONY: run test lint typecheck pytest audit bench native clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

$(NATIVE): $(STAMP) $(NATIVE_SOURCES)
	$(BIN)/python -m consentgate.native
	touch $(NATIVE)

native: $(NATIVE)

run: $(STAMP) $(NATIVE)
	$(BIN)/consentgate db upgrade
	$(BIN)/consentgate demo seed --if-empty
	$(BIN)/consentgate serve

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(NATIVE)
	CONSENTGATE_REQUIRE_NATIVE=1 $(BIN)/pytest

# Every installed dependency against PyPI's vulnerability data; --strict fails when one cannot be
# checked, so an unreachable index is a failure, not a pass.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

bench: $(STAMP) $(NATIVE)
	$(BIN)/consentgate bench policy
	$(BIN)/consentgate bench ledger

clean:
	rm -rf $(VENV) var
	find src -name '*.so' -delete
