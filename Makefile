# The two commands of the README: `make demo` and `make test`. Both set up everything first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
INSTALLED := $(VENV)/.installed
WEB_INDEX := torchscope/web/index.html
WEB_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -type f -print 2>/dev/null)
PORT ?= 8097
PY_SOURCES := torchscope tests benchmarks examples gpu_checks hatch_build.py

.PHONY: install native web demo test test-fast test-gpu lint format bench clean

install: $(INSTALLED) $(WEB_INDEX) native

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first and pinned: 2.13.0 is the CPU wheel on local disk; a plain `torch` would pull CUDA.
$(INSTALLED): pyproject.toml | $(PY)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test]"
	# The real visdom client is a test anchor; it ships only an sdist whose setup.py needs
	# pkg_resources, which setuptools 81 removed.
	$(PIP) install -q "setuptools<81"
	$(PIP) install -q --no-build-isolation "visdom>=0.2.4"
	touch $@

# The editable install's build hook compiles the native event-file reader once; this rebuilds it
# when torchscope/events/_native.c changes (and does nothing when it is up to date).
native: | $(INSTALLED)
	$(PY) torchscope/events/build_native.py

# The editable install's build hook builds the UI once; this keeps it fresh as frontend/ changes.
$(WEB_INDEX): $(WEB_SOURCES) | $(INSTALLED)
	cd frontend && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build
	touch $@

web: $(WEB_INDEX)

demo: install
	$(PY) examples/demo.py --port $(PORT)

lint: install
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy
	cd frontend && npm run typecheck

test: install lint
	$(PY) -m pytest

# The CUDA paths (writer, live client, Learner, AMP, DataParallel, DDP over nccl, checkpointing,
# explanations): run on a machine with an NVIDIA GPU; CI has none.
test-gpu: install
	$(PY) -m pytest -s gpu_checks

test-fast: install
	$(PY) -m pytest -m "not browser and not slow"

format: install
	$(VENV)/bin/ruff format $(PY_SOURCES)
	$(VENV)/bin/ruff check --fix $(PY_SOURCES)

bench: install
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) torchscope/web frontend/node_modules .pytest_cache .mypy_cache .ruff_cache
	rm -f torchscope/events/_native*.so
