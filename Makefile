# Two commands for a newcomer: `make serve` and `make test`. Both create .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint typecheck bench bench-quick clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,sim]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/habitloop serve

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks examples
	$(PY) -m ruff format --check src tests benchmarks examples
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(PY) -m mypy

# The suite, then the quick load benchmark (no thresholds: it must run clean, 2xx only).
test: lint typecheck
	$(PY) -m pytest
	$(VENV)/bin/habitloop bench --quick --out reports/bench-quick

# The server under wrk beside a bare FastAPI ceiling, on SQLite and PostgreSQL, and the
# in-process costs: reports/bench/report.md (several minutes; bench-quick: under three).
bench: $(STAMP)
	$(VENV)/bin/habitloop bench

bench-quick: $(STAMP)
	$(VENV)/bin/habitloop bench --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
