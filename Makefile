# The README's two commands are `make run` and `make test`; each installs first when needed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
PACKAGES := shared services/encoder services/synthesizer services/vocoder services/gateway clients/cli
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
# Exactly this torch: its CPU build is on this machine's disk; any other spec downloads GBs.
TORCH := torch==2.13.0

.PHONY: install run test bench lint up down clean

install: $(STAMP)

# The vocoder's C kernel is built by its setup.py during the editable install.
KERNEL_SRC := services/vocoder/setup.py services/vocoder/src/voiceclone_vocoder/wavernn/_kernels.c

$(STAMP): $(PYPROJECTS) $(KERNEL_SRC) requirements-dev.txt Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip "setuptools<81" wheel
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet $(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

# The whole stack on 127.0.0.1 (honcho + Procfile); configure it by environment.
run: install
	VENV=$(VENV) scripts/run_stack.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	BENCH=$(BENCH) $(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .

# The docker-compose stack (MariaDB + the five services); needs Docker with compose v2.
COMPOSE ?= docker compose
up:
	test -f .env || cp .env.example .env
	$(COMPOSE) up --build --detach --wait

down:
	$(COMPOSE) down

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
