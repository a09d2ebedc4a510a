"""Settings shared by every environment, read from the environment with django-environ.

With no environment at all the platform runs on embedded parts: SQLite under var/, eager Celery, a local-memory cache
and the console e-mail backend. DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and EMAIL_URL switch to the real services.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from ehssg.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The embedded default is for a developer's machine only; production.py refuses to start without a real key.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address in absolute links (feeds, calendar subscriptions, e-mails). Unset in development: links follow the
# address served (ehssg/site.py). Production settings refuse to start without it.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "django_structlog",
    "ehssg",
    "releases",
    "coordination",
    "public_calendar",
    "importing",
    "sampledata",
    "networks",
    "alerts",
    "progress",
    "datalab",
]

MIDDLEWARE = [
    # First: every response, even a 429 or a lockout, carries X-Request-ID (docs/security.md).
    "ehssg.security.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ehssg.security.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Development only: absolute links follow the address served when SITE_URL is unset (ehssg/site.py).
    "ehssg.site.SiteAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "ehssg.security.RateLimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ehssg.urls"
WSGI_APPLICATION = "ehssg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "ehssg.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Django templates for the admin and the API's browsable pages.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "django"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database lives under var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(exist_ok=True)
    # The alerts' local worker thread writes beside the requests (alerts/dispatch.py): writers take the lock when their
    # transaction begins and wait for it (no "database is locked" mid-transaction), and readers never wait (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL"}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The Health Data Lab (datalab/, docs/datalab.md). Person-level national data lives in Parquet files under this folder,
# outside the web database (mode 0700: the lab's worker user only). The pseudonymisation key is read when needed from
# DATALAB_PSEUDONYM_KEY or DATALAB_PSEUDONYM_KEY_FILE (datalab/pseudonymise.py); with neither, the embedded default
# below creates a development key file under var/ (0600). production.py sets no such default.
DATALAB_DATA_DIR = Path(env.str("DATALAB_DATA_DIR", default=str(VAR_DIR / "datalab")))
DATALAB_DEVELOPMENT_KEY_FILE: Path | None = VAR_DIR / "datalab-development-pseudonym.key"
# The lab's rules (docs/datalab.md), each configurable: JDL's minimum of 60 people, the processing lag after the
# follow-up year, how long person-level data may be kept after the agreement is signed, upload limits.
DATALAB_MIN_PEOPLE = env.int("DATALAB_MIN_PEOPLE", default=60)
DATALAB_PROCESSING_LAG_DAYS = env.int("DATALAB_PROCESSING_LAG_DAYS", default=90)
DATALAB_RETENTION_DAYS = env.int("DATALAB_RETENTION_DAYS", default=365)
DATALAB_MAX_UPLOAD_BYTES = env.int("DATALAB_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATALAB_MAX_COHORT_ROWS = env.int("DATALAB_MAX_COHORT_ROWS", default=50_000)
# A report's publication date is announced at least this many days ahead (Code of Practice: 4 weeks), and the
# lead statistician's contact on its release.
DATALAB_REPORT_NOTICE_DAYS = env.int("DATALAB_REPORT_NOTICE_DAYS", default=28)
DATALAB_CONTACT_EMAIL = env.str("DATALAB_CONTACT_EMAIL", default="health-data-lab@ehssg.example")

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Kept calendar events are one entry each: the default of 300 entries would throw them away.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ehssg",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process so the embedded default needs nothing installed.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The sweep has a queue of its own, consumed by its own worker process (Makefile `worker`, docs/deploy.md), so a dead
# worker's claims are taken back within the lease and a minute however many dispatch tasks wait (docs/alerts.md).
CELERY_TASK_ROUTES = {"alerts.sweep": {"queue": "alerts-sweep"}}
# Synced into django-celery-beat's tables when beat starts; the secretariat can change times in the admin.
CELERY_BEAT_SCHEDULE = {
    "scan-flags-nightly": {"task": "releases.scan_flags", "schedule": crontab(hour=2, minute=15)},
    # E-mail alerts (docs/alerts.md): the sweep sends what is due and retries; the others record once per occasion.
    "alerts-sweep": {"task": "alerts.sweep", "schedule": 60.0, "options": {"queue": "alerts-sweep", "expires": 120}},
    "alerts-weekly-digest": {"task": "alerts.weekly_digest", "schedule": crontab(day_of_week="mon", hour=7, minute=0)},
    "alerts-producer-reminders": {"task": "alerts.producer_reminders", "schedule": crontab(hour=8, minute=0)},
    "alerts-forget-unconfirmed": {"task": "alerts.forget_unconfirmed", "schedule": crontab(hour=3, minute=30)},
    # The morning after each quarter ends: draft that quarter's progress report to OSR and tell the secretariat.
    "draft-progress-report": {
        "task": "progress.draft_quarterly_report",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=6, minute=0),
    },
    # The Health Data Lab's retention (docs/datalab.md): every hour, delete the person-level data of requests whose
    # retention date has come or that were published, withdrawn or found not feasible, with a deletion certificate.
    "datalab-delete-due-data": {"task": "datalab.delete_due_data", "schedule": crontab(minute=20)},
    # Scheduled Health Data Lab reports go out at 9:30am London on their day (every 5 minutes: 9:30 is one of them).
    "datalab-publish-due-reports": {"task": "datalab.publish_due_reports", "schedule": crontab(minute="*/5")},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="EHSSG release calendar <calendar@ehssg.example>")
# A claimed alert e-mail not marked sent within this time belongs to a worker that died: it is sent again.
ALERTS_CLAIM_LEASE_SECONDS = env.int("ALERTS_CLAIM_LEASE_SECONDS", default=600)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
# Without a broker (the embedded default) a thread in the web process sends alerts and sweeps this often
# (alerts/dispatch.py).
ALERTS_LOCAL_SWEEP_SECONDS = env.int("ALERTS_LOCAL_SWEEP_SECONDS", default=60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "producer:release-list"
LOGOUT_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (docs/deploy.md); scripts/smoke_production.sh collects into a folder of its own.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "ehssg.api.schema.PublicReadsSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON only: people read the API at /api/docs/. DRF's browsable pages need inline styles (CSP, docs/security.md).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON whose text no field can store (a NUL, a lone surrogate) is a 400 naming the field (ehssg/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "ehssg.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # One error shape for every 4xx (ehssg/api/exceptions.py); services' Django errors become 400/403/404 there.
    "EXCEPTION_HANDLER": "ehssg.api.exceptions.api_exception_handler",
    # Generous: they only stop runaway scripts. Rates are read per request, so tests and deployments can change them.
    "DEFAULT_THROTTLE_CLASSES": [
        "ehssg.api.throttling.AnonRateThrottle",
        "ehssg.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EHSSG harmonised release calendar API",
    "DESCRIPTION": "Upcoming and published health and social care statistics for England, across producers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components, so read-only fields (state, dates, version) never look writable.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ReleaseStateEnum": "releases.choices.State",
        "ChangeStatusEnum": "releases.choices.ChangeStatus",
        "FlagStatusEnum": "coordination.choices.FlagStatus",
        "FlagKindEnum": "coordination.choices.FlagKind",
        "DesignationEnum": "releases.choices.Designation",
        "PrecisionEnum": "releases.choices.Precision",
        "ActionItemStatusEnum": "networks.choices.ItemStatus",
        "ActionPlanStatusEnum": "networks.choices.PlanStatus",
        "ActivityKindEnum": "networks.choices.ActivityKind",
        "DataLabRequestStateEnum": "datalab.choices.RequestState",
        "DataLabUploadStatusEnum": "datalab.models.UploadStatus",
        "DataLabStepEnum": "datalab.states.Step",
        "DataLabActorEnum": "datalab.states.Actor",
        "DataLabOutcomeEnum": "datalab.choices.Outcome",
        "DataLabMeasureEnum": "datalab.choices.Measure",
        "DataLabAgeGroupEnum": "datalab.choices.AgeGroup",
        "DataLabLawfulBasisEnum": "datalab.choices.LawfulBasis",
        "DataLabSpecialCategoryConditionEnum": "datalab.choices.SpecialCategoryCondition",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ehssg.api.schema.add_error_responses",
    ],
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
FORMS_URLFIELD_ASSUME_HTTPS = True

# Code of Practice figures the engines and warnings use; the secretariat may tune them per deployment.
EHSSG_MIN_NOTICE_DAYS = env.int("EHSSG_MIN_NOTICE_DAYS", default=28)
EHSSG_ALIGN_WITHIN_DAYS = env.int("EHSSG_ALIGN_WITHIN_DAYS", default=7)
EHSSG_REQUIRE_SERVICES = env.bool("EHSSG_REQUIRE_SERVICES", default=False)

LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=env.str("LOG_FORMAT", default="json"))
DJANGO_STRUCTLOG_CELERY_ENABLED = False
# ehssg.security.RequestIdMiddleware has already checked (or replaced) the proxy's X-Request-ID: log that one.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True

# --- Production hardening (docs/security.md) -------------------------------------------------------------------
# How many proxies in front of the service append to X-Forwarded-For; their last entries are the client's address
# (rate limits, sign-in lockout). 0 without a proxy: REMOTE_ADDR is the client.
EHSSG_TRUSTED_PROXIES = env.int("EHSSG_TRUSTED_PROXIES", default=0)

# A strict policy on every response: scripts and styles only from our origin; the one inline script GOV.UK Frontend
# needs carries the per-request nonce. No inline styles anywhere (pages, admin, API pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
EHSSG_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in ("accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
                    "magnetometer", "microphone", "midi", "payment", "usb")  # fmt: skip
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Sign-in lockout (django-axes, attempts in the database): 5 failures for one username from one address lock that
# pair for 15 minutes, a correct password included. Keyed on the pair so that nobody can lock a colleague out from
# elsewhere; the forms rate limit below bounds guessing across many usernames from one address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ehssg.security.client_ip"
AXES_LOCKOUT_CALLABLE = "ehssg.auth.locked_out"
AXES_VERBOSE = False

# Rate limits per client address, counted in the cache (Redis in production): "requests/seconds". A feed reader that
# refreshes every few minutes uses 1 of 240 a minute; a script hammering a feed, or guessing passwords, is stopped.
EHSSG_RATE_LIMITS = {
    "feeds": env.str("RATE_LIMIT_FEEDS", default="240/60"),
    "forms": env.str("RATE_LIMIT_FORMS", default="20/300"),
}
EHSSG_RATE_LIMIT_RULES = [
    ("GET,HEAD", r"^/calendar\.(ics|atom|csv|json)$", "feeds"),
    ("GET,HEAD", r"^/releases/[^/]+\.ics$", "feeds"),
    ("POST", r"^/sign-in/$", "forms"),
    ("POST", r"^/admin/login/$", "forms"),
    # Not the one-click unsubscribe: mail providers post those for many users from few addresses (RFC 8058), and
    # each needs a valid signed token anyway.
    ("POST", r"^/alerts/(?!unsubscribe/)", "forms"),
]
