"""The constraints of superseded plans, once 0007 has marked earlier plans superseded.

A migration of its own: on PostgreSQL the rows 0007 changed leave deferred foreign-key checks pending, and a table
with pending trigger events cannot be altered in the same transaction.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('networks', '0007_plan_superseded_data'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='actionplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'superseded'), ('superseded_at__isnull', False)), models.Q(models.Q(('status', 'superseded'), _negated=True), ('superseded_at__isnull', True)), _connector='OR'), name='actionplan_superseded_has_time'),
        ),
        migrations.AddConstraint(
            model_name='actionplan',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'published')), fields=('network',), name='actionplan_one_current_per_network'),
        ),
    ]
