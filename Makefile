# Two commands a newcomer needs: `make run` and `make test`. The rest are helpers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app m4eg
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install translations translations-extract translations-update \
        migrate-db demo lint courses-check test-sqlite test-postgresql clean

# The web server and, beside it, the mail delivery worker (stopped with the server).
run: install translations migrate-db demo
	@echo "Mail delivery worker: started (flask outbox work); web server: http://127.0.0.1:$(PORT)"
	$(FLASK) outbox work & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload

test: install translations lint courses-check test-sqlite test-postgresql

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: install
	$(BIN)/pybabel compile -d translations -D messages --statistics

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.* __pycache__ instance' -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --no-location \
	  --sort-output -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching

migrate-db: install
	mkdir -p instance
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo load

courses-check: install
	$(FLASK) courses check

lint: install
	$(BIN)/ruff check m4eg tests wsgi.py bench
	$(BIN)/lint-imports  # the one-way domain graph: [tool.importlinter] in pyproject.toml

# The suite on the embedded SQLite database: the non-browser tests spread over the machine's
# cores (each test has its own database file), then the browser tests, one at a time.
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= auto
test-sqlite: install translations
	env -u M4EG_TEST_DATABASE_URL $(BIN)/pytest -m "not browser" -n $(TEST_WORKERS)
	env -u M4EG_TEST_DATABASE_URL $(BIN)/pytest -m browser

# The same suite on PostgreSQL when M4EG_TEST_DATABASE_URL names one (.ci/run sets it).
test-postgresql: install translations
	@if [ -n "$$M4EG_TEST_DATABASE_URL" ]; then \
	  echo "Running the suite on PostgreSQL"; \
	  $(BIN)/pytest -m "not browser"; \
	else \
	  echo "M4EG_TEST_DATABASE_URL is not set: the PostgreSQL run is skipped (.ci/run sets it)"; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
	find translations -name '*.mo' -delete
