"""Migrations 0006 to 0008: plans published before superseded plans existed are kept, the newest stays current."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("networks", "0005_history_request_id")]
AFTER = [("networks", "0008_plan_superseded_constraints")]
WHEN = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_earlier_published_plans_become_superseded_and_keep_their_actions():
    apps = migrate(BEFORE)
    network = apps.get_model("networks", "TopicNetwork").objects.create(name="Cancer", slug="cancer")
    Plan = apps.get_model("networks", "ActionPlan")
    plans = [
        Plan.objects.create(network=network, title=f"Plan {n}", status="published", published_at=WHEN + timedelta(days=n),
                            created_at=WHEN, updated_at=WHEN)
        for n in (0, 300, 600)
    ]  # fmt: skip
    apps.get_model("networks", "ActionItem").objects.create(plan=plans[0], title="Kept", owner="Team",
                                                            due_on=WHEN.date(), goal="align_dates")  # fmt: skip
    try:
        apps = migrate(AFTER)
        Plan = apps.get_model("networks", "ActionPlan")
        after = {p.title: p for p in Plan.objects.all()}
        assert [after[f"Plan {n}"].status for n in (0, 300, 600)] == ["superseded", "superseded", "published"]
        assert after["Plan 0"].superseded_by_id == plans[1].pk
        assert after["Plan 0"].superseded_at == WHEN + timedelta(days=300)
        assert after["Plan 0"].items.get().title == "Kept"
        history = apps.get_model("networks", "HistoricalActionPlan").objects.get(id=plans[0].pk)
        assert history.status == "superseded" and history.history_change_reason.startswith("Superseded by Plan 300")
    finally:
        migrate(AFTER)  # the schema the other tests expect, whatever happened above (transaction=True flushes rows)
