"""Two writers with the same version, really at the same time (PostgreSQL row locks): the second gets 412.

The first writer holds the row lock between its version check and its write; the second blocks on the lock, then finds
the version has moved on. On SQLite, which has no row locks, this is skipped (its single writer serialises anyway).
"""

import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from ehssg.api.concurrency import release_write
from releases import services
from releases.models import Release
from releases.services import ReleaseDetails
from tests.api.conftest import client_for, if_match
from tests.factories import ProvisionalReleaseFactory


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_simultaneous_writers_is_refused(cast):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    release = ProvisionalReleaseFactory(lead_producer=cast.producer, version=5)
    locked, go_on = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first_writer():
        try:
            request = SimpleNamespace(headers={"If-Match": '"5"'}, data={})
            with release_write(request, release) as row:
                locked.set()
                go_on.wait(timeout=10)
                details = ReleaseDetails.of(row)
                details.summary = "From the first writer"
                services.release_update(actor=cast.editor, release=row, details=details, reason="First")
            outcome["first"] = "written"
        finally:
            connection.close()

    def second_writer():
        try:
            response = client_for(cast.hop).patch(
                f"/api/v1/releases/{release.slug}/", {"summary": "From the second", "reason": "Second"},
                format="json", **if_match(5),
            )  # fmt: skip
            outcome["second"] = response.status_code
        finally:
            connection.close()

    first = threading.Thread(target=first_writer)
    first.start()
    assert locked.wait(timeout=10)
    second = threading.Thread(target=second_writer)
    second.start()
    second.join(timeout=1)
    assert second.is_alive(), "the second writer should wait for the row lock"
    go_on.set()
    first.join(timeout=20)
    second.join(timeout=20)

    assert outcome == {"first": "written", "second": 412}
    after = Release.objects.get(pk=release.pk)
    assert (after.summary, after.version) == ("From the first writer", 6)
