"""Rows written before the coordination models moved (issue 15) are read through the new app afterwards.

The test database is migrated back to the register's last migration before the move, rows are written with the models
as they were then (``releases.Flag`` ...), and it is migrated forward again: the same rows, their history and their
content types now belong to ``coordination``. scripts/check_layout_migration.sh does the same on PostgreSQL with a
database built by the code before the move and filled with the demo data.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ConfirmedReleaseFactory, ProducerFactory, TopicNetworkFactory

BEFORE = [("releases", "0006_release_source_identifier_nullable"), ("coordination", None)]
AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    ContentType.objects.clear_cache()
    producer = ProducerFactory(slug="nhs-england")
    network = TopicNetworkFactory(slug="cancer")
    first = ConfirmedReleaseFactory(lead_producer=producer)
    second = ConfirmedReleaseFactory(lead_producer=producer)
    old_flag = old.get_model("releases", "Flag")
    flag = old_flag.objects.create(kind="clash", key="clash:test", network_id=network.pk, explanation="Two on one day",
                                   facts={"releases": [first.pk, second.pk]}, facts_hash="h", raised_at=AT,
                                   last_seen_at=AT)  # fmt: skip
    flag.releases.add(first.pk, second.pk)
    old.get_model("releases", "HistoricalFlag").objects.create(
        id=flag.pk, kind="clash", key="clash:test", explanation="Two on one day", facts={}, facts_hash="h",
        status="open", severity="warning", is_current=True, raised_at=AT, last_seen_at=AT, settle_reason="",
        history_date=AT, history_type="+", history_change_reason="Raised",
    )
    old.get_model("releases", "AvoidDate").objects.create(starts_on=date(2027, 3, 3), ends_on=date(2027, 3, 3),
                                                          reason="Budget")  # fmt: skip
    old.get_model("releases", "ReleaseRelation").objects.create(kind="related", first_id=first.pk,
                                                                second_id=second.pk, created_at=AT)  # fmt: skip
    for model in ("flag", "historicalflag", "avoiddate"):
        ContentType.objects.get_or_create(app_label="releases", model=model)

    migrate(latest)
    ContentType.objects.clear_cache()

    from coordination.models import AvoidDate, Flag, ReleaseRelation

    moved = Flag.objects.get(key="clash:test")
    assert (moved.pk, moved.network_id, moved.explanation) == (flag.pk, network.pk, "Two on one day")
    assert sorted(moved.releases.values_list("pk", flat=True)) == sorted([first.pk, second.pk])
    assert list(first.flags.values_list("key", flat=True)) == ["clash:test"]
    assert [h.history_change_reason for h in moved.history.all()] == ["Raised"]
    assert AvoidDate.objects.get().reason == "Budget"
    assert ReleaseRelation.objects.get().first_id == first.pk
    assert set(ContentType.objects.filter(model__in=["flag", "historicalflag", "avoiddate"])
               .values_list("app_label", "model")) == {("coordination", "flag"), ("coordination", "historicalflag"),
                                                       ("coordination", "avoiddate")}  # fmt: skip
