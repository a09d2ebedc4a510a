#!/usr/bin/env bash
# Issue 15: the models that moved to coordination/ keep their data. Builds a PostgreSQL database from the code before
# the split (BASE, default: the commit this branch started from), fills it with demo data, counts the rows of every
# table, migrates it with this checkout, counts again, and reads the moved data through the new apps' pages and API.
#
#   scripts/check_layout_migration.sh [BASE]      (needs PostgreSQL on 127.0.0.1:5432, user postgres)
#
# Uses only the database named in OLD_DB (dropped and created again) and a scratch copy of BASE under /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=$(pwd)
BASE=${1:-$(git merge-base HEAD "$(git rev-parse --verify -q main || echo HEAD~1)")}
OLD_DB=${OLD_DB:-ehssg_layout_old}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
PY="$HERE/.venv/bin/python"
export DATABASE_URL="$PG/$OLD_DB" DJANGO_SETTINGS_MODULE=ehssg.settings.base
SCRATCH=$(mktemp -d /tmp/ehssg_layout_base.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

echo "== base $BASE into $SCRATCH; database $OLD_DB"
git archive "$BASE" | tar -x -C "$SCRATCH"
psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $OLD_DB" -c "CREATE DATABASE $OLD_DB"

count_rows() {  # every table of the public schema: name and row count, one a line, sorted
  psql "$DATABASE_URL" -At -F ' ' -c "
    SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name),
           false, true, '')))[1]::text::bigint
    FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
}

(cd "$SCRATCH" && "$PY" manage.py migrate --no-input -v 0 && "$PY" manage.py demo_data >/dev/null)
count_rows | grep -v '^django_migrations ' > "$SCRATCH/before.txt"
psql "$DATABASE_URL" -At -c "SELECT app_label || '.' || model FROM django_content_type ORDER BY 1" > "$SCRATCH/ct_before.txt"

echo "== migrate with $(git rev-parse --short HEAD)"
"$PY" manage.py migrate --no-input -v 1 | grep -E "Applying|No migrations" || true
count_rows | grep -v '^django_migrations ' > "$SCRATCH/after.txt"
psql "$DATABASE_URL" -At -c "SELECT app_label || '.' || model FROM django_content_type ORDER BY 1" > "$SCRATCH/ct_after.txt"

echo "== tables: $(wc -l < "$SCRATCH/before.txt") before, $(wc -l < "$SCRATCH/after.txt") after; rows: $(awk '{s+=$2} END {print s}' "$SCRATCH/before.txt") before, $(awk '{s+=$2} END {print s}' "$SCRATCH/after.txt") after"
grep -E '^releases_(flag|historicalflag|avoiddate|historicalavoiddate|releaserelation|historicalreleaserelation|flag_releases) ' "$SCRATCH/after.txt" | sed 's/^/   moved: /'
if ! diff -u "$SCRATCH/before.txt" "$SCRATCH/after.txt"; then echo "FAIL: row counts changed"; exit 1; fi
echo "== content types renamed:"; diff "$SCRATCH/ct_before.txt" "$SCRATCH/ct_after.txt" | grep '^[<>]' | sed 's/^/   /' || true
if grep -qE '^releases\.(historical)?(flag|avoiddate|releaserelation)$' "$SCRATCH/ct_after.txt"; then
  echo "FAIL: content types of moved models left under releases"; exit 1
fi

echo "== the new apps read the migrated data"
"$PY" - 2>/dev/null <<'PYEOF' | grep -v '^{'
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django.contrib.auth import get_user_model
from coordination.models import AvoidDate, Flag, ReleaseRelation
from releases.models import Release

setup_test_environment()
counts = {"flags": Flag.objects.count(), "flag history": Flag.history.count(), "avoid dates": AvoidDate.objects.count(),
          "relations": ReleaseRelation.objects.count(), "flag-release links": Flag.releases.through.objects.count(),
          "releases": Release.objects.count()}
print("   " + ", ".join(f"{k} {v}" for k, v in counts.items()))
assert counts["flags"] and counts["flag history"] and counts["avoid dates"] and counts["flag-release links"], counts
client = Client(HTTP_HOST="127.0.0.1")
secretariat = get_user_model().objects.filter(groups__name="EHSSG secretariat").first()
client.force_login(secretariat)
flag = Flag.objects.first()
for path in ["/calendar/", "/calendar.ics", "/calendar.json", "/flags/", f"/flags/{flag.pk}/", "/api/v1/flags/",
             f"/api/v1/flags/{flag.pk}/", "/api/v1/releases/", "/networks/"]:
    response = client.get(path)
    print(f"   {response.status_code} {path}")
    assert response.status_code == 200, path
api = client.get("/api/v1/flags/").json()
# The admin, as a superuser made for the check (this scratch database is dropped on the next run).
admin = get_user_model().objects.create_superuser("layout-check", "layout-check@example.org", None)
client.force_login(admin)
for path in ["/admin/coordination/flag/", f"/admin/coordination/flag/{flag.pk}/change/", "/admin/coordination/avoiddate/",
             "/admin/coordination/releaserelation/", f"/admin/coordination/flag/{flag.pk}/history/"]:
    response = client.get(path)
    print(f"   {response.status_code} {path}")
    assert response.status_code == 200, path
assert api["count"] == counts["flags"], (api["count"], counts)
print("OK: every table kept its rows; pages and API read the moved models")
PYEOF
