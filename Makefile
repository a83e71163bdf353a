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
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --build-constraints build-constraints.txt requirements-dev.txt
	touch $@

install: $(STAMP)

# Development server with a Celery worker and beat beside it; Ctrl-C stops all three.
run: export DEBUG := 1
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 with a Celery worker and beat. Ctrl-C stops them all."
	@$(BIN)/celery -A balint worker --loglevel=INFO --concurrency=2 & worker=$$!; \
	$(BIN)/celery -A balint beat --loglevel=INFO & beat=$$!; \
	trap 'kill $$worker $$beat 2>/dev/null' INT TERM EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs in one pytest-xdist process per core, at most 8, each with its own test
# database; idle processes take tests from busy ones (worksteal), the long tests first
# (tests/conftest.py). Each process has its own Redis database as its broker, 1 to 8
# (balint/test_settings.py); the benchmarks use 11-13. PYTEST_ARGS="-n 0": one process.
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=balint.test_settings
	$(BIN)/pytest -n auto --maxprocesses=8 --dist worksteal $(PYTEST_ARGS)

lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o requirements-dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
