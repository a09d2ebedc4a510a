# Two commands for a newcomer: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install assets lint typecheck security audit pytest migrate demo worker beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/build/app.css: node_modules/.installed $(shell find static/scss static/js -type f 2>/dev/null)
	npm run build

install: $(VENV)/.installed

assets: static/build/app.css

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py demo_data --if-empty

## Installs everything, migrates, loads demo data when the database is empty, serves on http://127.0.0.1:8000
run: install assets demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Installs what is missing, then ruff, mypy, the security checks and the whole pytest suite
test: install assets lint typecheck security pytest

## bandit, Django's deployment checks on the production settings, pip-audit (docs/security.md); ruff's S rules run in lint
security: install
	$(BIN)/bandit -q -c pyproject.toml -r . --severity-level medium
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DATABASE_URL=postgres://ehssg@127.0.0.1:5432/ehssg REDIS_URL=redis://127.0.0.1:6379/1 EHSSG_TRUSTED_PROXIES=1 \
	SITE_URL=https://calendar.ehssg.example \
	DJANGO_SETTINGS_MODULE=ehssg.settings.production \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python scripts/audit_dependencies.py

## pip-audit that fails when the vulnerability data cannot be reached (for machines that can reach it)
audit: install
	EHSSG_REQUIRE_AUDIT=1 $(BIN)/python scripts/audit_dependencies.py

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy .

pytest: install assets
	$(BIN)/pytest $(PYTEST_ARGS)

## Two workers: one for every task, and one process only for the alerts sweep, so a dead worker's claims are taken
## back on time however many dispatch tasks are queued (docs/alerts.md). Stopping make stops both.
worker: install
	trap 'kill %1 2>/dev/null' EXIT; \
	$(BIN)/celery -A ehssg worker --loglevel=INFO -Q alerts-sweep --concurrency=1 -n sweep@%h & \
	$(BIN)/celery -A ehssg worker --loglevel=INFO -Q celery -n worker@%h

beat: install
	$(BIN)/celery -A ehssg beat --loglevel=INFO

clean:
	rm -rf $(VENV) node_modules static/build var
