# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up, provision the pkuseg model, ingest the bundled corpus into data/out/
#   make test   set up, provision, run the test suite
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
OUT ?= data/out
PKUSEG_SDIST := .cache/pkuseg-0.0.25.tar.gz
PKUSEG_HASH := dd012bf93689721c9574bc2b2ba98fb4ac22790cec0af354a78e217828b81e91
JIEBA_SDIST := .cache/jieba-0.42.1.tar.gz
JIEBA_HASH := 055ca12f62674fafed09427f176506079bc135638a14e23e25be909131928db2

# Bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1, and without .pyc files
# `import prefect` takes ~6 s instead of ~2 s.
export UV_COMPILE_BYTECODE := 1
# No telemetry or analytics from Prefect: the network is closed beyond the registries.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME := $(CURDIR)/.prefect

.PHONY: run test setup models browser lint schema bench clean

run: setup models
	$(VENV)/bin/policy-clauses ingest corpus --out $(OUT)

test: setup models browser
	$(VENV)/bin/pytest -q

# Headless Chromium + driver + a CJK font for the report test (Debian packages; no-op when present).
browser:
	bash scripts/install-browser.sh

# Throughput, memory and scaling figures → benchmarks/results.json and BENCHMARKS.md (not part of the tests).
bench: setup models
	$(PY) benchmarks/run.py

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m pip install --user --quiet 'uv==0.13.8'

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

models: models/zh-pkuseg/.provisioned models/lexicon/measure_words.tsv models/policy-nlp/meta.json

# pkuseg==0.0.25's sdist carries the "mixed" model; pip verifies its sha256
# (--require-hashes). Its setup.py needs cython and numpy just to build metadata.
$(PKUSEG_SDIST): | $(UV)
	mkdir -p .cache
	echo "pkuseg==0.0.25 --hash=sha256:$(PKUSEG_HASH)" > .cache/pkuseg-req.txt
	$(UV) run --no-project --with pip --with setuptools --with wheel --with cython --with 'numpy<2' \
	  python -m pip download --no-deps --no-build-isolation --require-hashes \
	  -r .cache/pkuseg-req.txt -d .cache

models/zh-pkuseg/.provisioned: $(PKUSEG_SDIST) pipeline/provision.py | $(VENV)/.synced
	$(PY) -m pipeline.provision $(PKUSEG_SDIST)
	touch $@

# jieba==0.42.1's sdist carries its dictionary; its measure words (tag q) are the open
# unit vocabulary of the target rules (pipeline/targets/lexicon.py checks both hashes).
$(JIEBA_SDIST): | $(UV)
	mkdir -p .cache
	echo "jieba==0.42.1 --hash=sha256:$(JIEBA_HASH)" > .cache/jieba-req.txt
	$(UV) run --no-project --with pip python -m pip download --no-deps --no-binary :all: \
	  --require-hashes -r .cache/jieba-req.txt -d .cache

models/lexicon/measure_words.tsv: $(JIEBA_SDIST) pipeline/targets/lexicon.py | $(VENV)/.synced
	$(PY) -m pipeline.targets.lexicon $(JIEBA_SDIST)

models/policy-nlp/meta.json: models/zh-pkuseg/.provisioned models/lexicon/measure_words.tsv $(wildcard pipeline/targets/patterns/*) $(wildcard pipeline/targets/*.py)
	$(PY) -m pipeline.targets.nlp

lint: setup
	$(VENV)/bin/ruff check pipeline flows tests
	$(VENV)/bin/mypy pipeline flows

schema: setup
	$(VENV)/bin/policy-clauses schema --out docs/SCHEMA.md

clean:
	rm -rf data/out .prefect
