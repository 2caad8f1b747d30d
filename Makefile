# One entry point for people and CI. Needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded.
export CHROMIUM_PATH ?= /usr/bin/chromium
# The benchmark (bench/search.py): corpus sizes, and more options for it, e.g. BENCH_OPTIONS="--repeat 20".
BENCH_SIZES ?= 10000,100000
BENCH_OPTIONS ?=
# Its HTTP figures come from Debian's wrk load generator.
export WRK_PATH ?= /usr/bin/wrk

.PHONY: install run test lint format lock seed clean-db bench load

install: $(VENV)/.installed .env

# Reinstall only when the lock file changes.
$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

# A local .env with a fresh secret key, written once and never committed.
.env:
	@sed "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > $@
	@echo "wrote .env with a new secret key"

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed_archive
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn archive.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

test: install $(CHROMIUM_PATH) node_modules/.installed
	$(BIN)/pytest

# axe-core, injected into pages by the browser tests' accessibility checks.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

$(CHROMIUM_PATH):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's Chromium: sudo apt-get install chromium (or set CHROMIUM_PATH)."; exit 1; \
	fi

# Search, pages, HTTP, import and ranking at each corpus size: bench/results/<size>.json and README.md.
bench: install $(WRK_PATH)
	$(BIN)/python bench/search.py --sizes $(BENCH_SIZES) $(BENCH_OPTIONS)

# make run's server under wrk: 50 connections, 30 s of searches and article pages; exits 1 on any error.
# More options in LOAD_OPTIONS, e.g. LOAD_OPTIONS="--database bench_10000" (bench/load.py --help).
load: install $(WRK_PATH)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed_archive
	$(BIN)/python bench/load.py --workers $(WORKERS) $(LOAD_OPTIONS)

$(WRK_PATH):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "The benchmark needs Debian's wrk: sudo apt-get install wrk (or set WRK_PATH)."; exit 1; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin every dependency (with hashes) after editing pyproject.toml.
lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --output-file requirements.lock pyproject.toml
