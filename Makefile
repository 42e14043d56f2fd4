# The README's two commands: `make run` starts the app with demo data on an
# embedded SQLite database, `make test` runs every test. Both install what
# they need on first use and are safe to run again.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 3000
PYTEST_ARGS ?=

# bun ships as a binary inside an npm package; Reflex would otherwise try to download it.
BUN_VERSION := 1.4.4
BUN_ARCH := $(shell uname -m | sed -e 's/x86_64/x64/' -e 's/arm64/aarch64/')
BUN_DIR := .tools/bun
BUN_BIN := $(BUN_DIR)/node_modules/@oven/bun-linux-$(BUN_ARCH)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# No telemetry, no version checks, and caches inside the project's ignored folders.
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export NPM_CONFIG_REGISTRY := https://registry.npmjs.org
export REFLEX_DIR := $(CURDIR)/.cache/reflex
export BUN_INSTALL_CACHE_DIR := $(CURDIR)/.cache/bun
export PATH := $(CURDIR)/$(BUN_BIN):$(PATH)

.PHONY: run test bun migrate seed system-test-deps bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(BUN_BIN)/bun:
	npm install --no-save --no-audit --no-fund --prefix $(BUN_DIR) @oven/bun-linux-$(BUN_ARCH)@$(BUN_VERSION)

bun: $(BUN_BIN)/bun

migrate: $(VENV)/.installed
	$(PY) -m alembic upgrade head

# The first run also trains the cold-start credit model (about a minute on 2 cores) before
# the demo seed, whose synthetic loan book is scored by that model.
seed: migrate
	$(PY) -m lendapp model list --json | grep -q '"active": true' || $(PY) -m lendapp model train
	$(PY) -m lendapp demo seed

run: $(VENV)/.installed bun seed
	@# robots.txt and sitemap.xml name PUBLIC_URL, so it follows HOST and PORT unless it is set.
	PUBLIC_URL="$${PUBLIC_URL:-http://$(HOST):$(PORT)}" $(PY) -m reflex run --env prod --backend-host $(HOST) --frontend-port $(PORT) --backend-port $(PORT)

# Lighthouse and axe-core for the accessibility, SEO and page-weight checks, from the npm registry.
AUDIT_DIR := .tools/audit
AXE_VERSION := 4.14.1
LIGHTHOUSE_VERSION := 12.2.3
.PHONY: audit-tools
audit-tools: $(AUDIT_DIR)/.installed-$(AXE_VERSION)-$(LIGHTHOUSE_VERSION)

$(AUDIT_DIR)/.installed-$(AXE_VERSION)-$(LIGHTHOUSE_VERSION):
	npm install --no-save --no-audit --no-fund --prefix $(AUDIT_DIR) axe-core@$(AXE_VERSION) lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

# Debian packages the tests use, each installed only when missing.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	{ command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .; } || missing="$$missing fonts-noto-cjk"; \
	{ command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The exit status of pytest itself is kept for .ci/run, which make would turn into 2.
test: $(VENV)/.dev-installed bun system-test-deps audit-tools
	@mkdir -p .cache; rm -f .cache/pytest-status
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; echo $$status > .cache/pytest-status; exit $$status

bench: $(VENV)/.dev-installed
	@# Each script runs as a module, so bench/queue.py cannot shadow the standard queue module.
	@for script in $$(ls bench/*.py | grep -v __init__); do name=$$(basename $$script .py); echo "== bench.$$name"; $(PY) -m bench.$$name || exit $$?; done

clean:
	rm -rf .web .states artifacts .pytest_cache .hypothesis
