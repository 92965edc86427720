# tfcompat developer commands. `make demo` and `make test` are all a new user needs.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The stamp records that the venv holds this pyproject.toml's dependencies; editing
# pyproject.toml (or deleting the stamp) reinstalls, otherwise `venv` is a no-op.
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint format bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,tf,dev]'
	touch $(STAMP)

# The seed notebook walk-through (notebooks/autodiff_tape_notebook.ipynb) as a script.
demo: venv
	$(PY) notebooks/autodiff_tape_notebook.py

test: venv
	$(PY) -m pytest -n auto -q

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tfcompat

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Extra flags: make bench BENCH_ARGS="--quick --workloads W1,W3"
bench: venv
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
