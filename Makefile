# Whieda Webinars bridge — everyday commands. Run as root on Debian.
#   make run     the whole thing, locally: http://127.0.0.1:8080/
#   make test    the whole test suite, against a stack of its own

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STACK   := $(PY) -m tests.stack

.PHONY: run test stop replay logs bench chaos deps venv dist install clean jobs

run: venv                ## start (or keep) the local site, sidecar and services; prints URLs and login
	$(STACK) up run

test: venv               ## run every test (starts and stops its own stack)
	$(PY) -m pytest $(PYTEST_ARGS)

stop:                    ## stop the local stacks
	-@[ -x $(PY) ] && $(STACK) down run
	-@[ -x $(PY) ] && $(STACK) down test
	-@[ -x $(PY) ] && $(STACK) down chaos

replay: venv             ## deliver the plugin's outbox to the sidecar now
	$(STACK) replay run

logs: venv               ## follow the local stack's logs
	$(STACK) logs run

bench: venv              ## measure the bridge against WordPress doing the same work
	$(PY) -m tests.bench

chaos: venv              ## bounded faults against a local stack of its own; prints what held (< 10 min)
	$(PY) -m tests.chaos

deps:                    ## Debian packages
	@bash tests/stack/install-deps.sh

venv: deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

dist:                    ## dist/whieda-bridge.zip: the plugin with its copy of contracts/
	rm -rf dist/whieda-bridge && mkdir -p dist
	cp -r wp-plugin dist/whieda-bridge && cp -r contracts dist/whieda-bridge/contracts
	cd dist && rm -f whieda-bridge.zip && $(PY) -m zipfile -c whieda-bridge.zip whieda-bridge
	@echo dist/whieda-bridge.zip

install:                 ## the sidecar as a system service: PREFIX=/opt/whieda ETC=/etc/whieda (see README, Deployment)
	PREFIX=$(or $(PREFIX),/opt/whieda) ETC=$(or $(ETC),/etc/whieda) bash deploy/install.sh

clean: stop              ## remove the local stacks' data and the virtualenv
	rm -rf .stack $(VENV) dist

jobs: venv               ## the local stack's pending and failed jobs (messages, reminders); RETRY=ID runs a failed one again
	set -a && source <($(STACK) env run) && $(PY) -m sidecar jobs $(if $(RETRY),--retry $(RETRY) --all)
