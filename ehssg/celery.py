"""The Celery application.

Without ``CELERY_BROKER_URL`` the settings make tasks run eagerly in-process, so a fresh machine needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehssg.settings.base")

app = Celery("ehssg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
