"""Production settings: refuse to start without a real secret key, database and site address."""

import environ
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _required in ("SECRET_KEY", "DATABASE_URL", "SITE_URL"):
    try:
        environ.Env().str(_required)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{_required} must be set in the environment for production.") from exc

# Every absolute link (feeds, calendar subscriptions, e-mails) starts with it; never taken from a request's Host.
SITE_URL = env.str("SITE_URL").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")) or "/" in SITE_URL.split("://", 1)[1]:
    raise ImproperlyConfigured(
        "SITE_URL must be the service's public address, such as https://calendar.ehssg.example (no path)."
    )

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
# No development pseudonymisation key in production: DATALAB_PSEUDONYM_KEY(_FILE) or a clear error (datalab/).
DATALAB_DEVELOPMENT_KEY_FILE = None
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ehssg.storage.HashedStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
