"""Settings for the test suite: the embedded defaults unless the environment names real services."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The suite fetches feeds and signs in far more often than any person: limits high enough never to interfere.
# tests/security sets the production figures back where it tests the limits themselves.
EHSSG_RATE_LIMITS = {"feeds": "100000/60", "forms": "100000/60"}

# A fixed address, as production has, so tests can compare whole links; tests of the development behaviour (links
# follow the address served, ehssg/site.py) set it back to empty.
SITE_URL = "http://127.0.0.1:8000"

# Tests send alerts at once on commit (eager Celery runs alerts.dispatch_events in the test), as before; the local
# worker thread of the embedded default is tested on its own (tests/alerts/test_dispatch.py).
ALERTS_DISPATCH = "celery"
