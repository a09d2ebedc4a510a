"""Settings of the real Celery worker the killed-worker test starts: the test database, the recording mail backend."""

import os

from ehssg.settings.test import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["ALERTS_TEST_DB_NAME"]  # noqa: F405
EMAIL_BACKEND = "tests.alerts.recording_backend.RecordingBackend"
