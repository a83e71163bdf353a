"""Production settings: `check --deploy` is clean and a missing secret stops start-up."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from balint import env
from tests.production import production_env, read_setting, run


def test_check_deploy_reports_no_issues(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_key_is_at_least_60_characters_in_this_test(tmp_path):
    assert len(production_env(tmp_path)["SECRET_KEY"]) == 60


@pytest.mark.parametrize(
    "secret_key",
    [None, "too-short-" * 4, "django-insecure-" + "x" * 60],
    ids=["unset", "short", "insecure-prefix"],
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret_key):
    result = read_setting(tmp_path, "settings.SECRET_KEY", SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_development_runs_without_a_secret_key(tmp_path):
    result = read_setting(tmp_path, "settings.DEBUG", DEBUG="1", SECRET_KEY=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_typo_in_debug_stops_start_up(tmp_path):
    result = read_setting(tmp_path, "settings.DEBUG", DEBUG="flase")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    """The settings production reads, from one subprocess (no REDIS_URL, no DATABASE_URL)."""
    tmp_path = tmp_path_factory.mktemp("production")
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_REFERRER_POLICY",
        "MIDDLEWARE",
        "CACHES",
        "DATABASES",
        "CELERY_BROKER_URL",
        "TIME_ZONE",
        "SESSION_ENGINE",
    ]
    result = read_setting(
        tmp_path,
        f"json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str)",
        REDIS_URL=None,
        DATABASE_URL=None,
        TIME_ZONE=None,
    )
    assert result.returncode == 0, result.stderr
    return tmp_path, json.loads(result.stdout)


def test_production_uses_secure_cookies_hsts_and_csp(production_settings):
    _, production = production_settings
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert "csp.middleware.CSPMiddleware" in production["MIDDLEWARE"]


def test_without_redis_rate_limits_use_the_database_cache(production_settings):
    _, production = production_settings
    backend = production["CACHES"]["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"


def test_without_redis_celery_uses_an_embedded_broker(production_settings):
    _, production = production_settings
    assert production["CELERY_BROKER_URL"] == "filesystem://"


def test_database_defaults_to_a_sqlite_file_in_the_var_dir(production_settings):
    tmp_path, production = production_settings
    database = production["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "balint.sqlite3")


def test_time_zone_defaults_to_dublin(production_settings):
    assert production_settings[1]["TIME_ZONE"] == "Europe/Dublin"


def test_redis_url_selects_redis_for_cache_sessions_and_celery(tmp_path):
    result = read_setting(
        tmp_path,
        "settings.CACHES['default']['BACKEND'], settings.CELERY_BROKER_URL, "
        "settings.SESSION_ENGINE",
        REDIS_URL="redis://127.0.0.1:6379/9",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "balint.cache.FailOpenRedisCache",
        "redis://127.0.0.1:6379/9",
        "django.contrib.sessions.backends.cached_db",
    ]


def test_without_redis_sessions_live_in_the_database_alone(production_settings):
    # A database cache in front of database sessions would double the queries.
    assert production_settings[1]["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


# --- balint/env.py --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        (" on ", True),
        ("0", False),
        ("off", False),
        ("", False),
        ("FALSE", False),
    ],
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("BALINT_TEST_FLAG", raw)
    assert env.env_bool("BALINT_TEST_FLAG") is expected


@pytest.mark.parametrize("raw", ["2", "ture", "enabled", "y"])
def test_env_bool_rejects_anything_else(monkeypatch, raw):
    monkeypatch.setenv("BALINT_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="BALINT_TEST_FLAG must be a boolean"):
        env.env_bool("BALINT_TEST_FLAG")


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("BALINT_TEST_FLAG", raising=False)
    assert env.env_bool("BALINT_TEST_FLAG", True) is True
    assert env.env_bool("BALINT_TEST_FLAG") is False


def test_env_int_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv("BALINT_TEST_INT", "587")
    assert env.env_int("BALINT_TEST_INT", 25) == 587
    monkeypatch.setenv("BALINT_TEST_INT", "")
    assert env.env_int("BALINT_TEST_INT", 25) == 25
    monkeypatch.delenv("BALINT_TEST_INT")
    assert env.env_int("BALINT_TEST_INT", 25) == 25


@pytest.mark.parametrize("raw", ["twenty", "1.5", "25s"])
def test_env_int_rejects_non_numbers(monkeypatch, raw):
    monkeypatch.setenv("BALINT_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured, match="BALINT_TEST_INT must be a whole number"):
        env.env_int("BALINT_TEST_INT", 25)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("BALINT_TEST_LIST", " balint.example.org, ,www.balint.example.org,")
    assert env.env_list("BALINT_TEST_LIST") == ["balint.example.org", "www.balint.example.org"]
    monkeypatch.delenv("BALINT_TEST_LIST")
    assert env.env_list("BALINT_TEST_LIST", "a,b") == ["a", "b"]
