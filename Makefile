# Two commands matter: `make run` and `make test`. Both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: run test install lint format lock check-deploy clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Reinstall only when the lock file changes.
$(STAMP): requirements-dev.txt build-constraints.txt | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --build-constraints build-constraints.txt requirements-dev.txt
	touch $@

install: $(STAMP)

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py createcachetable
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python manage.py runall

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=balint.test_settings
	$(BIN)/pytest $(PYTEST_ARGS)

lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o requirements-dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
