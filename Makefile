# wordspace: `make demo` trains on a real corpus, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed
# a local data mirror, when there is one beside the project (see wordspace.datasets)
WORDSPACE_DATA ?= $(wildcard $(abspath ../shared/data))
export WORDSPACE_DATA

.PHONY: demo figures test lint bench gpu-data clean

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
	$(PY) -m pytest -q -n auto --maxprocesses=4

lint: $(STAMP)
	$(PY) -m ruff check src tests bench

bench: $(STAMP)
	$(PY) bench/sgns_vs_gensim.py

# bench/data: what bench/gpu.py reads on a GPU machine, copied from the data mirror (only
# the repository travels there: name bench/data in the device tool's carry)
GPU_DATA := corpora/enwiki2015-text8.gz similarity/ws353.txt similarity/simlex999.txt \
	analogy/questions-words.txt entailment/bless.tsv
gpu-data:
	@test -n "$(WORDSPACE_DATA)" || { echo "gpu-data: set WORDSPACE_DATA to a data mirror"; exit 1; }
	for f in $(GPU_DATA); do mkdir -p bench/data/$$(dirname $$f) && cp "$(WORDSPACE_DATA)/$$f" bench/data/$$f || exit 1; done

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
