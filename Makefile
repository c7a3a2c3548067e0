# hubtui: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CLUSTER ?= demo
LOCALCLUSTER := $(PYTHON) cluster/localcluster.py
PYTEST_ARGS ?=

.PHONY: demo test deps venv cluster-build up down status screenshots bench snapshot-update clean

## demo: build what is missing, start the demo cluster with the hub, open hubtui on it
demo: deps venv cluster-build
	$(LOCALCLUSTER) up $(CLUSTER) --reuse
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && $(VENV)/bin/hubtui
	@echo "The $(CLUSTER) cluster is still running: 'make down' stops it."

## test: install what is missing and run every test (the fixtures start the real parts)
test: deps venv cluster-build
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## deps: Debian packages (PostgreSQL, Redis)
deps:
	@scripts/install-deps.sh

## venv: the virtualenv with hubtui and its test tools, at the versions in constraints.txt
venv: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

## cluster-build: build the cluster binaries from the Go module proxy (cached in ~/.cache/hubtui)
cluster-build:
	@cluster/build.sh >/dev/null

## up / down / status: the local cluster named $(CLUSTER) (default: demo)
up: deps cluster-build
	$(LOCALCLUSTER) up $(CLUSTER) --reuse
down:
	$(LOCALCLUSTER) down $(CLUSTER)
status:
	$(LOCALCLUSTER) status $(CLUSTER)

## screenshots: the SVGs in screenshots/, made from hubtui running on the demo cluster
screenshots: venv up
	@command -v rsvg-convert >/dev/null || $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q librsvg2-bin
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && $(VENV)/bin/python scripts/screenshots.py

## bench: speed and delay against kubectl, measured in the same run, on a cluster of their own
bench: deps venv cluster-build
	cd bench && ../$(VENV)/bin/python scale_all.py
	cd bench && ../$(VENV)/bin/python ui_delay.py
	$(LOCALCLUSTER) down hubtui-bench

## snapshot-update: re-record the SVG snapshots after an intended UI change
snapshot-update: venv
	$(VENV)/bin/pytest tests/ui --snapshot-update

clean:
	rm -rf $(VENV) snapshot_report.html .pytest_cache
