# Every target bootstraps .venv from pyproject.toml itself: a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench profile clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/triagebot run $(ARGS)

# The suite waits on servers, subprocesses and the network far more than it computes: more workers than
# cores pays off (measured in README's "Tests"). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 4

test: $(STAMP)
	$(BIN)/ruff check bot commands storage tests
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot commands storage tests
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m tests.bench

# cProfile of a real `triagebot serve` under a /triage burst; top costs to tests/bench/profile_triage.txt.
profile: $(STAMP)
	$(BIN)/python -m tests.bench.profile

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
