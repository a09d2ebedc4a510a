"""PostgreSQL's unaccent extension, for keyword search that ignores accents (ehssg/search.py).

Created where the database user may create it; where it may not, the migration logs what to ask a superuser for and
goes on (search then matches accents exactly). On SQLite there is nothing to create: the function is registered on each
connection. Never dropped on the way back: other database objects may use it.
"""

from django.db import migrations


def create_unaccent(apps, schema_editor):
    from ehssg.search import unaccent_install

    unaccent_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_unaccent, migrations.RunPython.noop)]
