"""Backup and restore with pg_dump / pg_restore (docs/deploy.md), round trip on the real PostgreSQL.

A register with releases in every state, a date change, pre-release access and their history is dumped in pg_dump's
custom format, restored into a fresh database of this test's own, and every table is compared row for row (and the
id sequences, so new rows after a restore do not collide). The restored database is dropped at the end.
"""

import os
import shutil
import subprocess
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from releases.models import PreReleaseAccess
from tests.conftest import skip_or_fail
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TABLES = """SELECT table_name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"""
SEQUENCES = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and an md5 of all its rows in a fixed order."""
    with psycopg.connect(dsn) as conn:
        tables = [row[0] for row in conn.execute(TABLES)]
        result: dict[str, tuple[int, str]] = {}
        for table in tables:
            name = sql.Identifier(table)
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {} AS t"
            ).format(name)
            count, digest = conn.execute(query).fetchone()
            result[table] = (count, digest)
        result.update({f"sequence {n}": (v or 0, "") for n, v in conn.execute(SEQUENCES)})
    return result


def libpq(settings_dict: dict, dbname: str) -> tuple[dict[str, str], str]:
    env = {**os.environ, "PGHOST": str(settings_dict.get("HOST") or "127.0.0.1"),
           "PGPORT": str(settings_dict.get("PORT") or 5432), "PGUSER": str(settings_dict.get("USER") or "postgres")}  # fmt: skip
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    dsn = f"host={env['PGHOST']} port={env['PGPORT']} user={env['PGUSER']} dbname={dbname}"
    if settings_dict.get("PASSWORD"):
        dsn += f" password={settings_dict['PASSWORD']}"
    return env, dsn


@pytest.fixture
def postgres():
    """Checked before any data is made, so the skip on SQLite costs nothing."""
    if connection.vendor != "postgresql":
        skip_or_fail("the backup round trip needs PostgreSQL (DATABASE_URL=postgres://...)")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            skip_or_fail(f"the backup round trip needs {tool} (Debian's postgresql-client)")
    return connection.settings_dict


@pytest.fixture
def register(postgres, cast):
    confirmed = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
    DateChangeFactory(release=confirmed, requested_by=cast.editor)
    PreReleaseAccess.objects.create(release=confirmed, recipient_role="Private secretary", organisation="DHSC",
                                    justification="Briefing", access_starts_at=confirmed.release_at - timedelta(hours=2))  # fmt: skip
    for factory in (ReleaseFactory, ProvisionalReleaseFactory, PublishedReleaseFactory, CancelledReleaseFactory):
        factory.create_batch(3, lead_producer=cast.other_producer)
    return confirmed


def test_pg_dump_and_pg_restore_round_trip(postgres, register, tmp_path):
    source = postgres
    env, source_dsn = libpq(source, source["NAME"])
    target = f"ehssg_restore_test_{uuid.uuid4().hex[:10]}"
    _, target_dsn = libpq(source, target)
    _, admin_dsn = libpq(source, "postgres")
    dump = tmp_path / "ehssg.dump"

    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), source["NAME"]],  # noqa: S603, S607
                   env=env, check=True, timeout=300)  # fmt: skip
    assert dump.stat().st_size > 0
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],  # noqa: S603, S607
                       env=env, check=True, timeout=300)  # fmt: skip
        before, after = fingerprint(source_dsn), fingerprint(target_dsn)
        assert before["releases_release"][0] == 13
        assert before["releases_historicalrelease"][0] >= 13
        assert before["releases_prereleaseaccess"][0] == 1
        assert after == before
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
