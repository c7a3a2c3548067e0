# hubtui: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CLUSTER ?= demo
LOCALCLUSTER := $(PYTHON) cluster/localcluster.py
PYTEST_ARGS ?=
# the suite runs in lanes (pytest-xdist), each with a local cluster of its own; the tests that destroy a cluster
# are dealt into two groups, each in a lane of its own (tests/conftest.py). On this project's 2-core machine 4
# lanes were fastest: 3 took 9 min 32 s of pytest, 4 took 7 min 58 s, and 5 took 12 min 41 s (each lane's
# cluster costs CPU all the time)
TEST_LANES ?= 4

.PHONY: dist demo demo-scenario serve-demo test lint lint-code deps venv cluster-build up down status screenshots bench snapshot-update clean

## demo: build what is missing, start the demo cluster with the hub, open hubtui on it
demo: deps venv cluster-build
	$(LOCALCLUSTER) up $(CLUSTER) --reuse
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && $(VENV)/bin/hubtui
	@echo "The $(CLUSTER) cluster is still running: 'make down' stops it."

## demo-scenario: the demo with hub deployments that do not come up (a bad image, no node that fits, a crash
## loop, a failing readiness probe); i or Space on one of them shows why, live
demo-scenario: deps venv cluster-build
	$(LOCALCLUSTER) up $(CLUSTER) --reuse
	$(LOCALCLUSTER) scenario $(CLUSTER)
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && $(VENV)/bin/hubtui
	@echo "The $(CLUSTER) cluster is still running: 'make down' stops it."

## serve-demo: the same demo in a web browser (hubtui serve on http://127.0.0.1:8000; SERVE_ARGS="--port 9000")
SERVE_ARGS ?=
serve-demo: deps venv cluster-build
	$(LOCALCLUSTER) up $(CLUSTER) --reuse
	@echo "Ctrl-C stops serving; the $(CLUSTER) cluster keeps running until 'make down'."
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && $(VENV)/bin/hubtui serve $(SERVE_ARGS)

## test: install what is missing, check lint, types and layers, and run every test (the fixtures start the
## real parts)
test: deps venv cluster-build lint-code
	@# bytecode, as an install leaves it: the tests start hubtui in hundreds of processes, and where
	@# PYTHONDONTWRITEBYTECODE is set each of them would compile every module it imports again
	$(VENV)/bin/python -m compileall -q hubtui cluster
	$(VENV)/bin/pytest -n $(TEST_LANES) --dist loadgroup $(PYTEST_ARGS)  # tests/unit/test_structure.py runs lint-imports (once)

## lint: ruff, mypy and the import-linter contracts (configured in pyproject.toml)
lint: lint-code
	$(VENV)/bin/lint-imports

lint-code: venv
	$(VENV)/bin/ruff check hubtui tests cluster scripts bench
	$(VENV)/bin/mypy

## deps: Debian packages (PostgreSQL, Redis)
deps:
	@scripts/install-deps.sh

## venv: the virtualenv with hubtui and its test tools, at the versions in constraints.txt
venv: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[all,test]'
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
	eval "$$($(LOCALCLUSTER) env $(CLUSTER))" && CLUSTER=$(CLUSTER) $(VENV)/bin/python scripts/screenshots.py
	HUBTUI_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/browser -k screenshot

## bench: speed and delay against kubectl (and k9s, built by scripts/build-k9s.sh), measured in the same run,
## on clusters of their own; BIG_ARGS="--count 5000" sizes the big namespace
bench: deps venv cluster-build
	cd bench && ../$(VENV)/bin/python scale_all.py
	cd bench && ../$(VENV)/bin/python ui_delay.py
	cd bench && ../$(VENV)/bin/python startup.py
	$(LOCALCLUSTER) down hubtui-bench
	cd bench && ../$(VENV)/bin/python big_namespace.py $(BIG_ARGS)
	$(LOCALCLUSTER) down hubtui-bench-big
	cd bench && ../$(VENV)/bin/python fleet.py

## dist: the wheel and the sdist in dist/ (setuptools' own build hooks, from the venv: nothing downloaded)
dist: venv
	rm -rf dist build
	$(VENV)/bin/python -c "from setuptools import build_meta as b; b.build_wheel('dist'); b.build_sdist('dist')"
	@ls dist

## snapshot-update: re-record the SVG snapshots after an intended UI change
snapshot-update: venv
	$(VENV)/bin/pytest tests/ui --snapshot-update

clean:
	rm -rf $(VENV) snapshot_report.html .pytest_cache
