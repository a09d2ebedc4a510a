"""Alerts tests run the Celery tasks in-process (eagerly), even where a broker is configured (CI's second pass), so the
real path (service → outbox → on_commit → task → e-mail) runs inside the test. Tests marked ``services`` (the real
worker) keep the broker."""

import pytest

from ehssg.celery import app


@pytest.fixture(autouse=True)
def eager_celery(request):
    if request.node.get_closest_marker("services"):
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
