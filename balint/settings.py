"""Settings for Balint, read from the environment.

With no environment at all and DEBUG=1 the app runs on a SQLite file with an
embedded Celery broker, so a fresh clone needs no servers. Production sets
DATABASE_URL and REDIS_URL (see docker-compose.yml and the README).
"""

from pathlib import Path

import dj_database_url
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from balint.env import env_bool, env_int, env_int_list, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of a development checkout: SQLite file, embedded broker, beat schedule.
VAR_DIR = Path(env_str("BALINT_VAR_DIR", str(BASE_DIR / "var")))

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "balint",  # project-wide management commands (seed_demo)
    "groups",
    "sessions.apps.SessionsConfig",
    "attendance",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "balint.uploads.UploadRefusedMiddleware",  # before CSRF, which would read the form first
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "groups.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "balint.urls"
WSGI_APPLICATION = "balint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groups.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'balint.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and beat share the file: take the write lock at the
    # start of a transaction and wait for it, instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Requests read a few rows through indexes. With PostgreSQL's default random_page_cost
    # (4, priced for spinning disks) the figures refresh after a register save hash-joined
    # all 266,700 sessions of a national scheme (57 ms) instead of following the index
    # (16 ms). 1.1 is the usual value for SSD storage, which every hosted database uses.
    options = "-c random_page_cost=1.1"
    # A request reads a few thousand rows at most, and starting parallel workers for it
    # costs more than they save: a register save's figures refresh took 14 ms with two of
    # them and 6 ms without (national size), and on a busy server they take cores from
    # other requests. gunicorn.conf.py turns them off for the web; the Celery worker's
    # nightly jobs keep them (the figures rebuild: 1.8 s with, 2.3 s without).
    if not env_bool("DB_PARALLEL_QUERY", True):
        options += " -c max_parallel_workers_per_gather=0"
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", options)
    # Server-side binding lets psycopg prepare a query once its connection has run it five
    # times: PostgreSQL then parses it once per connection and reuses its plan where a
    # generic plan costs no more (in-process at national size, most pages' SQL time fell
    # by a quarter to a half). Behind PgBouncer in transaction mode this needs its
    # max_prepared_statements (1.21 and later), or DB_PREPARED_STATEMENTS=0.
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Cache (shared by all processes: rate limits, sessions)
# ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down or hung, pages are built afresh (balint.cache).
            "BACKEND": "balint.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            # Seconds: Redis answers in a millisecond or is in trouble, and a hung
            # Redis must not hold a page for long.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    # Sessions read from Redis, written to both; with Redis down the cache misses and
    # fails open, so sessions are read from and written to the database alone.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "balint_cache",
        }
    }

# ---------------------------------------------------------------------------
# People and sign-in
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "groups.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "groups.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Failed sign-ins: nobody who knows a leader's email can keep the leader out.
#  - "login_failed" counts failures per client address (10 a minute, whatever the
#    email) and, as its "key", per email *from that address*
#    (groups.adapters: the key is email + address). The tiers are a progressive
#    delay without sleeping a worker: 5 failures wait out 5 minutes, 10 an hour,
#    20 a day -- for that address and that email only. The owner signing in from
#    anywhere else is not affected.
#  - "login_failed_account" counts failures per email from every address, a
#    ceiling against guessing one password from many addresses. It can block the
#    password for an hour only when several addresses take part, and even then
#    the emailed sign-in code below still lets the owner in at once.
# The successes are never counted (allauth rolls a success back).
ACCOUNT_RATE_LIMITS = {
    # Failures only: allauth's default "login" limit (30/m/ip) counts successes,
    # and one hospital NAT holds many people signing in at nine o'clock.
    "login": None,
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key,10/h/key,20/d/key"),
    "login_failed_account": env_str("LOGIN_FAILED_ACCOUNT_RATE_LIMIT", "30/h/key"),
    # Sign-in codes: 20 a minute per address, and per email from each address
    # (groups.adapters.RequestLoginCodeForm), not per email alone, which would let
    # anyone stop the owner's codes too.
    "request_login_code": env_str("REQUEST_LOGIN_CODE_RATE_LIMIT", "20/m/ip"),
    "request_login_code_from": env_str("REQUEST_LOGIN_CODE_FROM_RATE_LIMIT", "3/m/key,10/h/key"),
    # allauth's other defaults stay: sign-up is closed, password resets send mail
    # (20/m per address, 5/m per email), the rest count per user or per key.
}
ACCOUNT_FORMS = {"request_login_code": "groups.adapters.RequestLoginCodeForm"}
# "Send me a sign-in code" on the sign-in page: a code emailed to the person, the
# way in when the password is forgotten or blocked by someone else's failures.
# Three wrong codes void it; a code lasts ten minutes (hospital mail can be slow).
# allauth sends this mail (like its password-reset mail) with Django's mail
# backend directly, not through our outbox (balint.outbox): no retry if SMTP is down,
# the person asks again.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60

# A second factor: an authenticator app (TOTP) with recovery codes, or a passkey.
# Optional for everyone; organisers and staff, who see a whole scheme's personal
# data, cannot use the site until they have one (groups.middleware). Signing in
# by emailed code still asks for it. A lost phone: another organiser of the
# scheme, or staff, removes it (groups.second_factor), and the access log says who.
SECOND_FACTOR_REQUIRED = True  # for organisers and staff; no switch for production
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Balint"
# Passkeys need https, except on a developer's own machine.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Proxies in front of gunicorn that each append the address they saw to
# X-Forwarded-For; 0 believes no header. balint.ratelimit.client_ip reads them
# for every rate limit, allauth's through the adapter's get_client_ip (so
# allauth's own ALLAUTH_TRUSTED_PROXY_COUNT stays unset).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# If set, the header is believed only from a peer in these networks (the proxy),
# so a client that reaches port 8000 directly cannot choose its own address.
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS")

# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Balint <balint@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Dublin")
LANGUAGE_CODE = "en-ie"
USE_I18N = True

# ---------------------------------------------------------------------------
# Static files (Bootstrap comes from the xstatic package: no CDN)
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "balint.staticfiles.PackageFilesFinder",
]
# The source maps go too: the manifest storage follows each file's sourceMappingURL.
PACKAGE_STATIC_FILES = {
    "bootstrap": (
        xstatic.pkg.bootstrap.BASE_DIR,
        [
            "css/bootstrap.min.css",
            "css/bootstrap.min.css.map",
            "js/bootstrap.bundle.min.js",
            "js/bootstrap.bundle.min.js.map",
        ],
    ),
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded and generated files (certificate exports). Never served directly:
# downloads go through views that check permission.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------------------
# Celery: Redis when REDIS_URL is set, else an embedded filesystem broker
# ---------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Redis may go away and come back: the worker and beat wait for it, reconnecting
    # for ever, instead of exiting after 100 tries (some 45 minutes) or at start-up.
    CELERY_BROKER_CONNECTION_RETRY = True
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    CELERY_BROKER_CONNECTION_MAX_RETRIES = None
    # Timeouts find a dead or hung Redis; keepalive and health checks find a connection
    # that died quietly (a restarted Redis, a dropped NAT entry). The read timeout stays
    # above the 1 s BRPOP the worker waits on for work.
    _redis_sockets = {"socket_connect_timeout": 1, "socket_timeout": 3}
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **_redis_sockets,
        "socket_keepalive": True,
        "health_check_interval": 10,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = _redis_sockets["socket_connect_timeout"]
    CELERY_REDIS_SOCKET_TIMEOUT = _redis_sockets["socket_timeout"]
    CELERY_REDIS_SOCKET_KEEPALIVE = True
    CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 10
    # Queuing a task while Redis hangs gives up after one socket timeout, not after
    # four tries (15 s of a page); what was not queued is picked up by periodic jobs
    # (balint.queue). A restarted Redis needs no retry: redis-py reconnects.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
    # A task that ends while Redis is down stores its result once Redis is back
    # (retrying every 10 s at most, each try logged), rather than losing it.
    CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
    CELERY_RESULT_BACKEND_BASE_SLEEP_BETWEEN_RETRIES_MS = 1000
    # A task running when the connection drops runs to its end; cancelling it (Celery
    # 6's default) would cut an email off mid-send.
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
else:
    _broker_dir = VAR_DIR / "celery"
    for _folder in ("queue", "control", "results"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        # The folder is polled: check often so a task starts promptly.
        "polling_interval": 0.1,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-certificate-exports": {
        "task": "attendance.tasks.purge_expired_exports",
        "schedule": 3600,
    },
    # Queues the reminders now due into the outbox; the unique key of each
    # (reminder, person) makes a duplicated or overlapping tick harmless.
    "queue-due-reminders": {
        "task": "sessions.tasks.queue_due_reminders",
        "schedule": crontab(minute="*/10"),
    },
    # Sends what is due in the outbox: anything whose on-commit run was lost
    # (broker away), and every retry after a temporary refusal.
    "send-outbox": {
        "task": "balint.tasks.send_outbox",
        "schedule": env_int("OUTBOX_SEND_INTERVAL_SECONDS", 60),
    },
    "refresh-roster-feeds": {
        "task": "sessions.tasks.refresh_roster_feeds",
        "schedule": crontab(minute=17),
    },
    "nightly-clash-scan": {
        "task": "sessions.tasks.scan_clashes",
        "schedule": crontab(hour=2, minute=30),
    },
    # Recomputes the figures table: "upcoming" and the status move as sessions pass.
    "nightly-figures-rebuild": {
        "task": "attendance.tasks.rebuild_figures",
        "schedule": crontab(hour=2, minute=45),
    },
    # Deletes on-call shifts and erases accounts past their schemes' retention periods.
    "daily-retention": {
        "task": "groups.tasks.enforce_retention",
        "schedule": crontab(hour=3, minute=15),
    },
    # Tells leaders and organisers, once, of sessions expected below their group's
    # minimum: after the nightly clash scan (those on call count as away), early enough
    # in the working day to act on it.
    "daily-below-minimum-warning": {
        "task": "sessions.tasks.warn_below_minimum",
        "schedule": crontab(hour=7, minute=30),
    },
    # One reminder to the leaders about each assessment request past its day.
    "daily-overdue-assessments": {
        "task": "attendance.tasks.remind_overdue_assessments",
        "schedule": crontab(hour=8, minute=0),
    },
}

# ---------------------------------------------------------------------------
# Security: strict in production, checked by `manage.py check --deploy`
# ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz(/worker)?$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "balint.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Chatty libraries: progress steps and font subsetting are not news.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    },
}

# ---------------------------------------------------------------------------
# Balint
# ---------------------------------------------------------------------------
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
CERTIFICATE_EXPORT_HOURS = env_int("CERTIFICATE_EXPORT_HOURS", 24)
VERIFY_RATE_LIMIT_PER_MINUTE = env_int("VERIFY_RATE_LIMIT_PER_MINUTE", 30)

# On-call roster feeds: every limit on fetching a URL that a trainee gave us.
ROSTER_FEED_MAX_BYTES = env_int("ROSTER_FEED_MAX_BYTES", 2_000_000)
ROSTER_FEED_CONNECT_TIMEOUT = env_int("ROSTER_FEED_CONNECT_TIMEOUT", 5)
ROSTER_FEED_READ_TIMEOUT = env_int("ROSTER_FEED_READ_TIMEOUT", 10)
# Subscribing fetches the feed during the request: stay well inside GUNICORN_TIMEOUT.
ROSTER_FEED_TOTAL_TIMEOUT = env_int("ROSTER_FEED_TOTAL_TIMEOUT", 20)
ROSTER_FEED_REFRESH_HOURS = env_int("ROSTER_FEED_REFRESH_HOURS", 6)
# Networks exempt from the "public addresses only" rule for feeds. Leave empty in
# production: anything else lets a trainee make the server fetch internal URLs.
ROSTER_FEED_ALLOWED_NETWORKS = env_list("ROSTER_FEED_ALLOWED_NETWORKS")
# The outbox (balint/outbox.py). A sender's claim on an email is a lease: after this
# long unmarked, its worker is taken to have died mid-send and another sends it.
# It must outlast one SMTP conversation (a few round trips of EMAIL_TIMEOUT each).
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# After a temporary refusal (4xx, server away) the next try waits the next of these.
OUTBOX_RETRY_SECONDS = env_int_list("OUTBOX_RETRY_SECONDS", "60,300,900,3600,14400,86400")
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
# One sender run sends for at most this long, then hands over to the next, so a
# worker asked to stop finishes within its grace period.
OUTBOX_RUN_SECONDS = env_int("OUTBOX_RUN_SECONDS", 20)
if OUTBOX_LEASE_SECONDS <= 6 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "OUTBOX_LEASE_SECONDS must exceed six EMAIL_TIMEOUTs: a lease shorter than "
        "one send would let two workers send the same email."
    )
