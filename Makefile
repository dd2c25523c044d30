# motcua — one command to run it, one to test it. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help install install-dev static browser run test lint format bench messages clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime ## Create .venv and install the pinned runtime requirements

install-dev: $(VENV)/.dev ## Install runtime + test, lint and benchmark requirements

static/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/chartjs
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	@# Noto Serif (SIL OFL 1.1) for the PDF documents: WOFF (zlib; WOFF2 would need brotli), the
	@# latin, latin-ext and vietnamese subsets, joined again by unicode-range in dossiers.documents.
	mkdir -p static/vendor/fonts/noto-serif
	cp node_modules/@fontsource/noto-serif/files/noto-serif-{latin,latin-ext,vietnamese}-{400,700}-normal.woff \
	   node_modules/@fontsource/noto-serif/files/noto-serif-{latin,latin-ext,vietnamese}-400-italic.woff \
	   node_modules/@fontsource/noto-serif/LICENSE static/vendor/fonts/noto-serif/
	touch $@

static: static/vendor/.stamp ## Fetch front-end libraries from the npm registry into static/vendor/

browser: ## Install Debian's Chromium for the browser tests (if missing)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null && chromium --version

run: install static ## Migrate an SQLite database under var/, load demo data, start web + worker + beat
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py rundev

test: install-dev static browser ## Run the whole test suite (DATABASE_URL/CELERY_BROKER_URL pick the services)
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py check_services
	$(VENV)/bin/pytest
	@# Tests marked both_databases also run on SQLite when the main run used PostgreSQL.
	@if [[ "$${DATABASE_URL:-sqlite}" == postgres* ]]; then \
		echo "== the both_databases tests again, on SQLite =="; \
		DATABASE_URL=sqlite:///:memory: $(VENV)/bin/pytest -m both_databases -p no:randomly; \
	fi

lint: install-dev ## ruff check, ruff format --check, makemigrations --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install-dev ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install-dev ## Run the benchmarks (each prints a ratio against its baseline)
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

messages: install-dev ## Extract translatable strings into locale/ and compile them
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove the virtual environment, front-end libraries and local data
	rm -rf $(VENV) node_modules static/vendor var
