"""Plans published before superseded plans existed: each network's published plans but the newest become
"superseded" by the next one published, at the moment it was published, with a history row saying why."""

from django.db import migrations
from django.utils import timezone

REASON = "Superseded by {title} (recorded when superseded plans were introduced)"


def mark_superseded(apps, schema_editor):
    ActionPlan = apps.get_model("networks", "ActionPlan")
    HistoricalActionPlan = apps.get_model("networks", "HistoricalActionPlan")
    by_network = {}
    for plan in ActionPlan.objects.filter(status="published").order_by("published_at", "pk"):
        by_network.setdefault(plan.network_id, []).append(plan)
    now = timezone.now()
    for plans in by_network.values():
        for plan, later in zip(plans, plans[1:]):
            plan.status = "superseded"
            plan.superseded_at = later.published_at
            plan.superseded_by = later
            plan.version += 1
            plan.save(update_fields=["status", "superseded_at", "superseded_by", "version"])
            fields = {f.attname: getattr(plan, f.attname) for f in ActionPlan._meta.concrete_fields}
            HistoricalActionPlan.objects.create(
                **fields, history_date=now, history_type="~", history_user=None, request_id="",
                history_change_reason=REASON.format(title=later.title),
            )


def unmark_superseded(apps, schema_editor):
    ActionPlan = apps.get_model("networks", "ActionPlan")
    ActionPlan.objects.filter(status="superseded").update(status="published", superseded_at=None, superseded_by=None)


class Migration(migrations.Migration):

    dependencies = [
        ('networks', '0006_plan_superseded'),
    ]

    operations = [
        migrations.RunPython(mark_superseded, unmark_superseded),
    ]
