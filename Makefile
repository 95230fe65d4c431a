# The README's commands.  Everything installs into .venv; nothing is global but Chromium.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# One stamp per dependency set, so a second run installs nothing.  The test extra is a
# superset of the runtime dependencies, so installing it also satisfies the run stamp.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install install-test dev test test-slow test-packages lint bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# What running needs: tree-sitter, click, aiohttp, watchfiles, and the grammar setup.py
# compiles from grammars/ (a change to its C sources needs a reinstall).
GRAMMAR := setup.py grammars/binding.c $(wildcard grammars/tree-sitter-javascript/src/*.c)
$(RUN_STAMP): $(PY) pyproject.toml $(GRAMMAR)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# What testing, linting and benchmarking need on top: the `test` extra.
$(TEST_STAMP): $(PY) pyproject.toml $(GRAMMAR)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

# mypy's targets are the module list of the strict [[tool.mypy.overrides]] in pyproject.toml
# (the one that sets disallow_untyped_defs): "pkg.*" becomes `-p pkg`, a module `-m module`.
define MYPY_TARGETS
import sys
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
with open("pyproject.toml", "rb") as f:
    overrides = tomllib.load(f)["tool"]["mypy"]["overrides"]
modules = [m for o in overrides if o.get("disallow_untyped_defs") for m in o["module"]]
print(" ".join(f"-p {m[:-2]}" if m.endswith(".*") else f"-m {m}" for m in modules))
endef
export MYPY_TARGETS

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

dev: $(RUN_STAMP)  ## serve the seed example with HMR
	$(VENV)/bin/shaker dev examples/seed

test: lint  ## every test: unit, corpus, oracle, server, browser
	sh tests/ensure-system-deps.sh
	$(PY) -m pytest -q

test-packages: $(TEST_STAMP)  ## the npm package matrix: 36 packages x (dev, build) in Chromium
	sh tests/ensure-system-deps.sh
	$(PY) -m pytest -q tests/packages

test-slow: $(TEST_STAMP)  ## the long real-world checks (the whole pinned npm corpus)
	$(PY) -m pytest -q -m slow

bench: $(TEST_STAMP)  ## speed against esbuild, cp -r and Vite; load against Vite; the real-world corpus check
	$(PY) -m pytest -q -m slow
	$(PY) bench/transform.py
	$(PY) bench/corpus.py
	$(PY) bench/build.py
	$(PY) bench/hmr.py
	$(PY) bench/react_start.py
	$(PY) bench/react_refresh.py
	$(PY) bench/typescript.py
	$(PY) bench/minify.py
	$(PY) bench/bundle.py
	$(PY) bench/load.py

bench-quick: $(TEST_STAMP)
	$(PY) bench/transform.py --quick
	$(PY) bench/corpus.py
	$(PY) bench/build.py --rounds 1
	$(PY) bench/hmr.py --quick
	$(PY) bench/react_start.py --runs 1
	$(PY) bench/react_refresh.py --edits 5
	$(PY) bench/typescript.py --rounds 1
	$(PY) bench/minify.py --rounds 1
	$(PY) bench/bundle.py --quick
	$(PY) bench/load.py --quick

lint: $(TEST_STAMP)  ## ruff, and mypy (strict) over the strict set
	$(VENV)/bin/ruff check shaker tests bench
	targets=$$($(PY) -c "$$MYPY_TARGETS") && echo "mypy $$targets" && \
		$(VENV)/bin/mypy $$targets

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
