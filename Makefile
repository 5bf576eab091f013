# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LANGS := en fr nl it

.PHONY: run test lint format i18n i18n-extract i18n-update i18n-compile migrate demo install install-dev clean bench soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics

migrate: $(STAMP)
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

run: i18n-compile demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _p:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output --omit-header --no-wrap -o translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --no-wrap

i18n: i18n-update i18n-compile

test: $(DEV_STAMP) lint i18n-compile
	$(BIN)/pytest

# Not part of `make test`: the pages against a bare Flask app under wrk, on SQLite and
# PostgreSQL (tests/perf/bench.py). BENCH_DB=sqlite|postgresql picks one, BENCH_SCALE=small
# makes a quick run; the synthetic data set is built once and cached.
bench: i18n-compile
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk >/dev/null 2>&1 \
		|| echo "wrk is not installed: the benchmark uses its Python load generator"
	$(BIN)/python tests/perf/bench.py

# Not part of `make test` either: it restarts the local PostgreSQL. 32 members read and write
# through gunicorn (4 workers) on SQLite and PostgreSQL, with a worker killed and PostgreSQL
# restarted under load (tests/perf/test_soak.py). SOAK_SECONDS=10 makes a quick run.
soak: $(DEV_STAMP) i18n-compile
	$(BIN)/pytest -p no:cacheprovider -s tests/perf/test_soak.py
