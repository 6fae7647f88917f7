# `make run` : the app with demo data on SQLite (http://127.0.0.1:5000)
# `make test`: the whole test suite
# Both build .venv from nothing the first time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
# wsgi.py starts production unless told otherwise; `make run` is the development server.
export MESSAGING_CONFIG ?= development

.PHONY: run test lint bench bench-data bench-http bench-notifications bench-live clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	$(BIN)/flask run --debug --host 127.0.0.1 --port $${PORT:-5000}

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# The large-marketplace benchmark (bench/README.md): build the data once, then measure.
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench

bench-data: $(VENV)/.installed
	$(BIN)/python bench/generate.py --analyze
	$(BIN)/python bench/generate.py --url $(BENCH_PG_URL)

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --both --attachments --cpu

# The hot paths over HTTP beside ../shared/bench/floor.sh (needs wrk: apt-get install wrk).
bench-http: $(VENV)/.installed
	$(BIN)/python bench/http_load.py
	$(BIN)/python bench/http_load.py --url $(BENCH_PG_URL)

# Email notifications (bench/notifications.py): delivery throughput of 10,000 marked emails into a
# local SMTP sink, queued and sent by the workers.
bench-notifications: $(VENV)/.installed
	$(BIN)/python bench/notifications.py
# Live delivery (issue 10): open streams per host, commit-to-client latency through Redis, badge req/s.
bench-live: $(VENV)/.installed
	$(BIN)/python bench/live.py

clean:
	rm -rf $(VENV) instance .pytest_cache
