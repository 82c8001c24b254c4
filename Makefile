# claimbench: `make reproduce` runs the fast CPU profile of every paper; `make test` runs the tests.
# Each target creates .venv and installs the pinned dependencies if they are missing.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the course extra (otter-grader) is what the tests need on top of dev
COURSE_STAMP := $(VENV)/.installed-course
# 2 cores: one BLAS/OpenMP thread per process avoids oversubscription (10-20x slowdowns seen).
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export XLA_FLAGS ?= --xla_cpu_multi_thread_eigen=false
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
# dvc stages call `claimbench`: put the venv first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv reproduce test bench report check lint clean frontier

venv: $(STAMP) $(COURSE_STAMP)

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "error: $(PY) not found (claimbench needs Python 3.11)"; exit 2; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(COURSE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,course]'
	touch $(COURSE_STAMP)

reproduce: $(STAMP)
	$(BIN)/dvc repro
	$(BIN)/claimbench summary

# the suite on both cores (pytest-xdist): a test file stays on one worker, so its module fixtures run once
TEST_WORKERS ?= 2
test: $(COURSE_STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=10

# runs benchmarks/bench_*.py with pytest-benchmark and saves the run into reports/bench/history (local)
bench: $(STAMP)
	$(BIN)/claimbench bench

report: $(STAMP)
	$(BIN)/claimbench report

# every named sweep of params.yaml (`sweeps:` under each paper) on a local Dask cluster, one worker per core;
# points already computed with the same params and code are reused
frontier: $(STAMP)
	$(BIN)/claimbench sweep all

# gate on the committed verdicts: exit 1 only on a new FAIL/ERROR, PASS -> FAIL or a margin that lost > 50 %
check: $(STAMP)
	$(BIN)/claimbench check --baseline HEAD

lint: $(STAMP)
	$(BIN)/ruff check src papers tests benchmarks

clean:
	rm -rf reports/runs reports/index.html reports/figures .pytest_cache dist/assignments
