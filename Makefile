# Whieda Webinars bridge — everyday commands. Run as root on Debian.
#   make run     the whole thing, locally: http://127.0.0.1:8080/
#   make test    the whole test suite, against a stack of its own (make test-fast: without WordPress, in seconds)

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STACK   := $(PY) -m tests.stack

.PHONY: run test test-fast stop replay logs bench chaos deps venv dist install clean jobs funnel pot mo

run: venv                ## start (or keep) the local site, sidecar and services; prints URLs and login
	$(STACK) up run

test: venv               ## run every test (starts and stops its own stack)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv          ## only the tests that need no WordPress (marked fast): seconds, MariaDB alone
	$(PY) -m pytest -m fast $(PYTEST_ARGS)

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

LANG_DIR := wp-plugin/languages
POT      := $(LANG_DIR)/whieda-bridge.pot

pot:                     ## the plugin's strings: $(POT) from the sources, merged into each .po (ru_RU: new strings as written, the sources are Russian)
	xgettext --language=PHP --from-code=UTF-8 --no-wrap --add-comments=translators: --sort-by-file --package-name=whieda-bridge \
	  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
	  --keyword=_x:1,2c --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c --keyword=_n:1,2 \
	  -o $(POT) $$(find wp-plugin -name '*.php' | sort)
	for po in $(LANG_DIR)/*.po; do msgmerge --quiet --no-wrap --update --backup=none --no-fuzzy-matching $$po $(POT); done
	msgen --no-wrap -o $(LANG_DIR)/whieda-bridge-ru_RU.po $(LANG_DIR)/whieda-bridge-ru_RU.po

mo:                      ## builds each .mo from its .po (generated, not committed)
	for po in $(LANG_DIR)/*.po; do msgfmt --check -o $${po%.po}.mo $$po; done

dist: mo                 ## dist/whieda-bridge.zip: the plugin with its copy of contracts/ and its built translations
	rm -rf dist/whieda-bridge && mkdir -p dist
	cp -r wp-plugin dist/whieda-bridge && cp -r contracts dist/whieda-bridge/contracts
	cd dist && rm -f whieda-bridge.zip && $(CURDIR)/$(PY) -m zipfile -c whieda-bridge.zip whieda-bridge
	@echo dist/whieda-bridge.zip

install:                 ## the sidecar as a system service: PREFIX=/opt/whieda ETC=/etc/whieda (see README, Deployment)
	PREFIX=$(or $(PREFIX),/opt/whieda) ETC=$(or $(ETC),/etc/whieda) bash deploy/install.sh

clean: stop              ## remove the local stacks' data and the virtualenv
	rm -rf .stack $(VENV) dist

jobs: venv               ## the local stack's pending and failed jobs (messages, reminders); RETRY=ID runs a failed one again
	set -a && source <($(STACK) env run) && $(PY) -m sidecar jobs $(if $(RETRY),--retry $(RETRY) --all)

funnel: venv             ## the local stack's recording funnel, counted again from the autowebinar_* rows
	set -a && source <($(STACK) env run) && $(PY) -m sidecar funnel
