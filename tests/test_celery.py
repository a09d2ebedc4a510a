"""Celery: eager on the embedded defaults, a real worker on Redis where the broker is configured."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from ehssg.celery import app
from releases.tasks import count_overdue
from tests.conftest import skip_or_fail
from tests.factories import ConfirmedReleaseFactory, PublishedReleaseFactory


def _make_overdue_and_current() -> None:
    ConfirmedReleaseFactory(release_at=timezone.now() - timedelta(days=2))
    ConfirmedReleaseFactory()
    PublishedReleaseFactory()


@pytest.mark.django_db
def test_count_overdue_counts_only_past_open_releases():
    _make_overdue_and_current()

    assert count_overdue() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_completes_a_task():
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("needs CELERY_BROKER_URL pointing at Redis (services.md) for a real worker")
    import redis
    from celery.contrib.testing.worker import start_worker

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not answering at {settings.CELERY_BROKER_URL}")
    _make_overdue_and_current()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = count_overdue.delay()
        assert result.get(timeout=30) == 1
    assert result.status == "SUCCESS"
