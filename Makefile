# Two entry points on a fresh machine (see README):
#   make serve   validate the catalog, regenerate outputs, build and serve the site
#   make test    the whole test suite (what CI runs)
# Every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# axe-core for the accessibility browser tests, from package-lock.json (npm ci empties
# node_modules, so the stamp inside it goes when the packages go).
AXE_STAMP := node_modules/axe-core/.installed

.PHONY: serve build check test bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# Choose the torch build here: the local CPU wheel unless a GPU is present.
	if command -v nvidia-smi >/dev/null 2>&1; then $(BIN)/pip install -q torch; \
	else $(BIN)/pip install -q torch==2.13.0 || $(BIN)/pip install -q torch --index-url https://download.pytorch.org/whl/cpu; fi
	$(BIN)/pip install -q -e '.[repro,dev]'
	touch $(STAMP)

# Debian's Chromium for the browser tests; never a browser downloaded by a test tool. And
# axe-core (npm, pinned in package-lock.json), which the accessibility tests inject into pages.
browser: $(AXE_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(AXE_STAMP): package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(AXE_STAMP)

check: $(STAMP)
	$(BIN)/awm check

build: $(STAMP)
	$(BIN)/awm build

serve: $(STAMP)
	$(BIN)/awm build
	$(BIN)/awm check
	$(BIN)/awm site serve

test: $(STAMP) browser
	$(BIN)/python -m pytest -q --durations=10

bench: $(STAMP)
	$(BIN)/python tools/bench_catalog.py

clean:
	rm -rf $(VENV) build site-build
