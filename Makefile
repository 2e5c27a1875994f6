# Quick start: `make run` (serve Coventry at http://127.0.0.1:8000/) and `make test`.
# Both install what is missing first: Debian packages, then a virtual environment.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCATOR := $(BIN)/locator
DATA ?= data/coventry.geojson
# Debian packages: what running needs (PostgreSQL + PostGIS), what the tests add (Chromium and
# fonts for the browser tests, gdal-bin for the OGC client tests, redis-server for the shared rate
# limits test) and what the benchmark adds (wrk).
RUN_PACKAGES := postgresql-15 postgresql-15-postgis-3
TEST_PACKAGES := $(RUN_PACKAGES) chromium fonts-liberation gdal-bin redis-server
BENCH_PACKAGES := $(RUN_PACKAGES) wrk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench lint venv test-venv dev-database clean-database

run: PACKAGES = $(RUN_PACKAGES)
run: system-packages venv dev-database
	$(LOCATOR) db upgrade
	$(LOCATOR) load $(DATA)
	$(LOCATOR) areas import
	$(LOCATOR) serve

test: PACKAGES = $(TEST_PACKAGES)
test: system-packages test-venv
	$(BIN)/pytest

# ruff, ruff format, mypy --strict, the import contracts between layers (pyproject.toml) and
# pylint's duplicate-code check; CI runs it before the tests.
lint: test-venv
	$(BIN)/ruff check locator tests benchmarks
	$(BIN)/ruff format --check locator tests benchmarks
	$(BIN)/mypy locator
	$(BIN)/lint-imports
	$(BIN)/pylint --disable=all --enable=duplicate-code --ignore=migrations --score=n locator

# Every benchmark, each printing its figures and targets (they take several minutes).
bench: PACKAGES = $(BENCH_PACKAGES)
bench: system-packages test-venv
	$(BIN)/python benchmarks/nearest.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/imports.py
	$(BIN)/python benchmarks/coverage.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/reports.py

.PHONY: system-packages
system-packages:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The service alone (make run), and with the test tools (make test, lint, bench).
venv: $(VENV)/.installed
test-venv: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The private cluster in .pgdata/, unless LOCATOR_DATABASE_URL names another database.
dev-database: venv
	@if [ -z "$$LOCATOR_DATABASE_URL" ]; then $(LOCATOR) devdb start > /dev/null; fi

clean-database: venv
	$(LOCATOR) devdb stop
	rm -rf .pgdata

# Re-vendor Leaflet, its plugins and axe-core from the npm registry (versions pinned in the script).
.PHONY: vendor
vendor:
	static/vendor.sh
