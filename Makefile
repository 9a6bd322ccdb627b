# newsarchive — the two commands of the quick start, and a few more.
#   make demo   set up .venv, start the offline mirror, crawl it, print a summary
#   make test   set up .venv and run the whole test suite
#   make browse serve the demo archive read-only in a browser (Datasette, http://127.0.0.1:8001/)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXTRAS ?= dev,postgres,redis,browse

.PHONY: setup demo test lint bench mirror browse clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m newsarchive.demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy newsarchive spiders pipelines

bench: $(STAMP)
	$(BIN)/python bench/normalize.py
	$(BIN)/python bench/distributed.py --no-origins --repeat 3

mirror: $(STAMP)
	$(BIN)/python -m newsarchive.mirror --articles 200 --port 8080

BROWSE_DB ?= data/demo/newsarchive.sqlite3
browse: $(STAMP)
	@test -f $(BROWSE_DB) || { echo "no archive at $(BROWSE_DB): run 'make demo' first (or BROWSE_DB=path)"; exit 1; }
	$(BIN)/python -m newsarchive.browse $(BROWSE_DB)

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
