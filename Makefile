# wordspace: `make demo` trains on a real corpus, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed
# a local data mirror, when there is one beside the project (see wordspace.datasets)
WORDSPACE_DATA ?= $(wildcard $(abspath ../shared/data))
export WORDSPACE_DATA

.PHONY: demo figures test lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[plot]"
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(PY) -m wordspace.demo

# docs/demo-map.png and docs/gaussian-hierarchy.png (trains on 5 M words of text8)
figures: $(RUN_STAMP)
	$(PY) docs/figures.py

test: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check src tests bench

bench: $(STAMP)
	$(PY) bench/sgns_vs_gensim.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
