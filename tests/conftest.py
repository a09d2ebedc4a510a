"""Shared fixtures: the people in each role around two producers and two networks."""

import os
from dataclasses import dataclass
from typing import Any

import pytest

from ehssg.site import forget_served_address
from releases.choices import ProducerRole
from tests.factories import (
    ProducerFactory,
    TopicNetworkFactory,
    UserFactory,
    give_role,
    make_osr,
    make_secretariat,
)

REQUIRE_SERVICES = os.environ.get("EHSSG_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a machine without the service; fail in CI, where EHSSG_REQUIRE_SERVICES=1 says it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (EHSSG_REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(reason)


@dataclass
class Cast:
    """Two producers (own and other), two networks, and one person in each role."""

    producer: Any
    other_producer: Any
    network: Any
    other_network: Any
    editor: Any
    hop: Any
    other_editor: Any
    other_hop: Any
    lead: Any
    other_lead: Any
    member: Any
    secretariat: Any
    osr: Any


@pytest.fixture
def cast(db) -> Cast:
    producer = ProducerFactory(name="NHS England", abbreviation="NHSE", slug="nhs-england")
    other = ProducerFactory(name="Office for National Statistics", abbreviation="ONS", slug="ons")
    network = TopicNetworkFactory(name="Urgent and emergency care", slug="urgent-and-emergency-care")
    other_network = TopicNetworkFactory(name="Cancer", slug="cancer")
    network.member_producers.set([producer, other])
    editor = UserFactory(username="editor")
    hop = UserFactory(username="hop")
    other_editor = UserFactory(username="other_editor")
    other_hop = UserFactory(username="other_hop")
    give_role(editor, producer, ProducerRole.EDITOR)
    give_role(hop, producer, ProducerRole.HOP)
    give_role(other_editor, other, ProducerRole.EDITOR)
    give_role(other_hop, other, ProducerRole.HOP)
    lead = UserFactory(username="lead")
    other_lead = UserFactory(username="other_lead")
    member = UserFactory(username="member")
    network.leads.add(lead)
    other_network.leads.add(other_lead)
    network.members.add(member)
    return Cast(
        producer=producer,
        other_producer=other,
        network=network,
        other_network=other_network,
        editor=editor,
        hop=hop,
        other_editor=other_editor,
        other_hop=other_hop,
        lead=lead,
        other_lead=other_lead,
        member=member,
        secretariat=make_secretariat(),
        osr=make_osr(),
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached figures are keyed by the newest history ids, and a rolled-back
    test leaves the next one the same ids for different rows (a real database never rolls back what it served)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def development(settings):
    """`make run PORT=8101`: no SITE_URL in the environment, so absolute links follow the address served."""
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    forget_served_address()
    yield settings
    forget_served_address()


@pytest.fixture(autouse=True)
def _purge_append_only_rows_before_flush(request):
    """A transactional test ends with Django emptying every table. On SQLite that is a DELETE, which the lab's
    append-only triggers refuse (datalab/migrations/0002): open the maintenance window, empty those two tables, and
    close it again, as an operator would for a sanctioned purge. PostgreSQL empties tables with TRUNCATE, which row
    triggers do not see."""
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so this teardown runs before its flush
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO datalab_maintenance_window (opened_by) VALUES ('tests: flush')")
        for table in ("auditentry", "deletioncertificate", "outputcheck", "report", "analysisrun"):
            cursor.execute(f"DELETE FROM datalab_{table}")  # noqa: S608 - the lab's own table names
        cursor.execute("DELETE FROM datalab_maintenance_window")


@pytest.fixture(scope="session", autouse=True)
def _datalab_files(tmp_path_factory):
    """The Health Data Lab's files (the demo's extract, requests' folders, the development key) in a folder of the
    test session's, never under var/: one session folder, so every demo load of the session shares one extract (the
    lab's own tests put theirs under each test's tmp_path: tests/datalab/conftest.py)."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("datalab-session")
    with override_settings(DATALAB_DATA_DIR=root / "data", DATALAB_DEVELOPMENT_KEY_FILE=root / "development.key"):
        yield root
