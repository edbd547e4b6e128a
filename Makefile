# Two entry points for a fresh clone: `make lab` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_STORE ?= demo-store
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium

.PHONY: venv chromium ocr cog-venvs demo lab test lint format fuzz bench clean

# Real Cog servers for the hosted-model tests, each from PyPI in its own venv: 0.14 (FastAPI) and 0.23
# (coglet). Built once and kept (cache .cache/cog-venvs in CI); a version not listed here is never built.
COG_VERSIONS ?= 0.14.12 0.23.1
COG_VENVS ?= .cache/cog-venvs
COG_STAMPS := $(foreach version,$(COG_VERSIONS),$(COG_VENVS)/cog-$(version)/.installed-stamp)

LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.json

$(STAMP): pyproject.toml jupyter-settings.json jupyter-server-config.json
	@# Debian's python3 may lack ensurepip (package python3-venv): fall back to virtualenv from PyPI.
	$(PYTHON) -m venv $(VENV) || ($(PYTHON) -m pip install --quiet --user virtualenv && $(PYTHON) -m virtualenv $(VENV))
	$(PY) -m pip install --quiet --upgrade pip
	@# [diffusers] brings torch for the open-model tests (tiny random pipelines on the CPU; see README).
	$(PY) -m pip install --quiet -e '.[test,bench,diffusers]'
	@# JupyterLab must not detach off-screen outputs (videos, dialogs): windowing mode "none" for this venv.
	mkdir -p $(dir $(LAB_SETTINGS)) && cp jupyter-settings.json $(LAB_SETTINGS)
	@# Notebooks that opt in (the review notebook) are saved without outputs: autosave keeps git clean.
	mkdir -p $(dir $(SERVER_CONFIG)) && cp jupyter-server-config.json $(SERVER_CONFIG)
	touch $(STAMP)

venv: $(STAMP)

$(COG_VENVS)/cog-%/.installed-stamp:
	rm -rf $(COG_VENVS)/cog-$*
	$(PYTHON) -m venv $(COG_VENVS)/cog-$* || ($(PYTHON) -m pip install --quiet --user virtualenv && $(PYTHON) -m virtualenv $(COG_VENVS)/cog-$*)
	$(COG_VENVS)/cog-$*/bin/python -m pip install --quiet 'cog==$*'
	touch $@

cog-venvs: $(COG_STAMPS)

# Debian's Chromium plays H.264 (Playwright's bundled browser cannot, and nothing may be downloaded at run time).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# The local slide model's readability test reads its slides back with Debian's Tesseract OCR.
ocr:
	@if ! command -v tesseract >/dev/null; then \
		echo "Installing Debian's tesseract-ocr for the slide readability tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq tesseract-ocr >/dev/null; \
	fi

demo: venv
	$(VENV)/bin/workbench demo init $(DEMO_STORE)

# Jupyter refuses to start as root without --allow-root (containers and fresh Debian machines often are root).
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
LAB_ARGS ?=

lab: venv demo
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_ROOT) $(LAB_ARGS) notebooks/review.ipynb

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv chromium ocr cog-venvs lint
	WORKBENCH_COG_VENVS="$(abspath $(COG_VENVS))" WORKBENCH_REQUIRE_COG_VENVS=1 $(PY) -m pytest

fuzz: venv
	WORKBENCH_HYPOTHESIS=explore $(PY) -m pytest -q $$(grep -rl "from hypothesis import" tests)

bench: venv
	@set -e; for script in benchmarks/*_bench.py; do echo "== $$script"; $(PY) $$script; done
	@echo "== benchmarks/batch_bench.py --size demo"; $(PY) benchmarks/batch_bench.py --size demo

clean:
	rm -rf $(VENV) $(DEMO_STORE) .pytest_cache .ruff_cache .hypothesis test-artifacts *.egg-info
