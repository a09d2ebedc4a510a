"""Pieces shared by the apps' models."""

from django.db import models

from .security import request_id_default


class HistoryWithRequestId(models.Model):
    """Base of every historical model: the X-Request-ID of the request that made the change.

    With it a history row leads to the log lines of the same request (django-structlog binds the same id), so "who
    changed this and why" can be followed into "what else happened then". Empty for changes made outside a request
    (shell, migrations, Celery tasks).
    """

    request_id = models.CharField(max_length=128, blank=True, default=request_id_default, db_index=True)

    class Meta:
        abstract = True
