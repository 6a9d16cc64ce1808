# Roster: `make run` serves the demo, `make test` runs the suite. Nothing else to install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= $(or $(ROSTER_PORT),5000)

.PHONY: run test install translations lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,server]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d roster/translations

run: install
	$(BIN)/roster db upgrade
	$(BIN)/roster demo --if-empty
	@echo ""
	@echo "  Roster is at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	$(BIN)/roster run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check roster geo tests bench migrations
	$(BIN)/mypy roster geo

bench: install
	$(BIN)/python bench/register_list.py --write
	$(BIN)/python bench/import_registrants.py --write

clean:
	rm -rf $(VENV) instance/roster.db* .pytest_cache
