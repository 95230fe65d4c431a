# The README's commands.  Everything installs into .venv; nothing is global but Chromium.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install dev test lint bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

dev: install  ## serve the seed example with HMR
	$(VENV)/bin/shaker dev examples/seed

test: install  ## every test: unit, corpus, oracle, server, browser
	sh tests/ensure-system-deps.sh
	$(VENV)/bin/ruff check shaker tests bench
	$(PY) -m pytest -q

bench: install  ## speed against esbuild, cp -r and Vite; load against Vite; the real-world corpus check
	$(PY) bench/transform.py
	$(PY) bench/corpus.py
	$(PY) bench/build.py
	$(PY) bench/hmr.py
	$(PY) bench/load.py

bench-quick: install
	$(PY) bench/transform.py --quick
	$(PY) bench/corpus.py
	$(PY) bench/build.py --rounds 1
	$(PY) bench/hmr.py --quick
	$(PY) bench/load.py --quick

lint: install
	$(VENV)/bin/ruff check shaker tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
