# The two commands: `make run` (the app on the embedded database, with the demo population)
# and `make test` (lint, the layers contract, type check, the whole suite). Both create their
# virtualenvs on first use.
#
# Two builds of the same source:
# - .venv: the project installed editable, interpreted. Edit a file, run `.venv/bin/pytest`.
# - .venv-compiled: the wheel built with the mypyc hook (`make wheel`, see pyproject.toml), its
#   decision engine compiled to C extensions; `make run` and `make bench` use it, and `make test`
#   runs the engine's tests on it a second time. Building it needs a C compiler; make rebuilds
#   it when a file under src/ or the build configuration changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
COMPILED_VENV := .venv-compiled
COMPILED_BIN := $(COMPILED_VENV)/bin
COMPILED_STAMP := $(COMPILED_VENV)/.installed-stamp
SOURCES := $(shell find src -name '*.py' -not -path '*/__pycache__/*')
# The tests run a second time on the compiled wheel: the engine's own, and the ones that drive it
# through the decision service on SQLite (a compiled module checks its argument types at run time).
COMPILED_TESTS := tests/unit/policy tests/integration/decision_index tests/integration/access

.PHONY: run test lint typecheck pytest pytest-compiled wheel audit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

# The sdist first, then the wheel built from it (what `python -m build` does): the mypyc hook
# compiles inside the unpacked sdist, so nothing is built in src/.
$(COMPILED_STAMP): $(STAMP) pyproject.toml hatch_build.py $(SOURCES)
	rm -rf dist
	HATCH_BUILD_HOOKS_ENABLE=1 $(BIN)/python -m build --outdir dist .
	test -x $(COMPILED_BIN)/python || $(PYTHON) -m venv $(COMPILED_VENV)
	$(COMPILED_BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(COMPILED_BIN)/python -m pip install --quiet dist/consentgate-*.whl --group test --group bench
	$(COMPILED_BIN)/python -m pip install --quiet --force-reinstall --no-deps dist/consentgate-*.whl
	touch $(COMPILED_STAMP)

wheel: $(COMPILED_STAMP)

run: $(COMPILED_STAMP)
	$(COMPILED_BIN)/consentgate db upgrade
	$(COMPILED_BIN)/consentgate demo seed --if-empty
	$(COMPILED_BIN)/consentgate serve

test: lint typecheck pytest pytest-compiled

lint: $(STAMP)
	$(BIN)/ruff check src tests bench hatch_build.py
	$(BIN)/ruff format --check src tests bench hatch_build.py
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	CONSENTGATE_EXPECT_ENGINE=interpreted $(BIN)/pytest

# Run by the compiled venv's pytest (no checkout on its sys.path), so `consentgate` is the
# installed wheel; tests/conftest.py refuses the run if it is not, or if its engine is not compiled.
pytest-compiled: $(COMPILED_STAMP)
	CONSENTGATE_EXPECT_ENGINE=compiled $(COMPILED_BIN)/pytest -q $(COMPILED_TESTS)

# Every installed dependency against PyPI's vulnerability data; --strict fails when one cannot be
# checked, so an unreachable index is a failure, not a pass.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

# The benchmark scripts run from bench/ with the compiled wheel's interpreter.
bench: $(COMPILED_STAMP)
	$(COMPILED_BIN)/python bench/policy.py
	$(COMPILED_BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) $(COMPILED_VENV) var dist build
	find src \( -name '*.so' -o -name '*.pyd' \) -delete
