# Minsheng: `make run` sets up and starts everything; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run setup install install-dev env demo test test-postgres lint typecheck messages clean

run: setup demo
	$(MANAGE) serve

setup: install env
	$(MANAGE) compile_translations
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) collectstatic --noinput -v 0

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"

# A local .env with fresh random keys, written once and never overwritten.
env:
	@test -f .env || $(BIN)/python -c "import secrets; from cryptography.fernet import Fernet; \
	open('.env','w').write('MINSHENG_SECRET_KEY=' + secrets.token_urlsafe(50) + '\n' \
	+ 'MINSHENG_FIELD_KEYS=' + Fernet.generate_key().decode() + '\n' \
	+ 'MINSHENG_DEBUG=0\nMINSHENG_SECURE_COOKIES=0\nMINSHENG_SMS_BACKEND=file\n')"
	@echo ".env ready"

demo:
	$(MANAGE) seed_demo

test: install-dev
	$(MANAGE) compile_translations --settings=minsheng.test_settings
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/minsheng} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy minsheng

# Refresh the catalogues from the source (needs GNU gettext: apt-get install gettext).
messages:
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
