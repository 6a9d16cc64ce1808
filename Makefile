# Roster: `make run` serves the demo, `make test` runs the suite. Nothing else to install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= $(or $(ROSTER_PORT),5000)
# gunicorn: worker processes, and threads in each (a request waiting on the database or a
# password hash lets another thread of the worker run). No keep-alive: the threaded worker can
# reset a kept-alive connection just as the client reuses it.
WORKERS ?= $(or $(ROSTER_WORKERS),4)
THREADS ?= $(or $(ROSTER_THREADS),4)

.PHONY: run test install translations lint bench load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,server]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d roster/translations

run: install
	@$(BIN)/python -c "import socket, sys; s = socket.socket(); \
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $(PORT)))" \
		2>/dev/null || { \
		echo "ポート $(PORT) は使用中です。ROSTER_PORT=5001 make run のように別のポートを指定してください。"; \
		echo "Port $(PORT) is in use. Give another port, e.g. ROSTER_PORT=5001 make run."; \
		exit 1; }
	$(BIN)/roster db upgrade
	$(BIN)/roster demo --if-empty
	@echo ""
	@echo "  Roster is at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	$(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind 127.0.0.1:$(PORT) \
		--timeout 120 --keep-alive 0 roster.wsgi:app

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check roster geo tests bench migrations
	$(BIN)/mypy roster geo
	$(BIN)/lint-imports --no-logo

bench: install
	$(BIN)/python bench/register_list.py --write
	$(BIN)/python bench/import_registrants.py --write

# Many users at once against gunicorn on SQLite, and on PostgreSQL when
# ROSTER_LOAD_DATABASE_URL names a database of its own (its schema is reset); about 12 minutes.
load: install
	$(BIN)/python bench/load.py --write

clean:
	rm -rf $(VENV) instance/roster.db* .pytest_cache
