# Quick start: `make run` (serve Coventry at http://127.0.0.1:8000/) and `make test`.
# Both install what is missing first: Debian packages, then a virtual environment.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCATOR := $(BIN)/locator
DATA ?= data/coventry.geojson
# Debian packages the service, the tests and the benchmark need (chromium + fonts: browser
# tests; gdal-bin: the OGC API client tests).
SYSTEM_PACKAGES := postgresql-15 postgresql-15-postgis-3 wrk chromium fonts-liberation gdal-bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup system-packages venv dev-database bench lint clean-database

run: setup dev-database
	$(LOCATOR) db upgrade
	$(LOCATOR) load $(DATA)
	$(LOCATOR) areas import
	$(LOCATOR) serve

test: setup
	$(BIN)/pytest

setup: system-packages venv

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The private cluster in .pgdata/, unless LOCATOR_DATABASE_URL names another database.
dev-database: venv
	@if [ -z "$$LOCATOR_DATABASE_URL" ]; then $(LOCATOR) devdb start > /dev/null; fi

bench: setup
	$(BIN)/python benchmarks/nearest.py

lint: venv
	$(BIN)/ruff check locator tests benchmarks
	$(BIN)/ruff format --check locator tests benchmarks
	$(BIN)/mypy locator

clean-database: venv
	$(LOCATOR) devdb stop
	rm -rf .pgdata

# Re-vendor Leaflet, its plugins and axe-core from the npm registry (versions pinned in the script).
.PHONY: vendor
vendor:
	static/vendor.sh
