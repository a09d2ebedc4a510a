"""`manage.py demo_data`: every state, every role, realistic networks, history, the same data for the same seed."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from alerts.selectors import subscriber_count
from coordination.models import Flag
from datalab import services
from datalab.extract import data_dir
from datalab.models import (
    AuditEntry,
    BaseRate,
    CohortUpload,
    DataLabRequest,
    DeletionCertificate,
    NationalExtract,
    Organisation,
)
from ehssg.roles import roles_of
from networks.models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork
from networks.selectors import published_plan
from progress.models import ProgressReport
from releases.choices import State
from releases.models import DateChange, Producer, Release
from sampledata.datalab_demo import lab_users


def load(**options) -> str:
    out = StringIO()
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


SOME_DAY = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)


@pytest.mark.django_db
@time_machine.travel(SOME_DAY, tick=True)  # the demo is built around today: the same day, the same demo
def test_demo_data_has_every_state_role_and_network(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = load(releases=120, seed=1)

    assert callbacks  # the alerts' dispatch ran, as it does after a real commit ...
    assert mail.outbox == []  # ... and e-mailed nobody: the demo's subscribers hear of no demo change

    states = dict(Release.objects.values_list("state").annotate(n=Count("pk")))
    assert set(states) == {s.value for s in State}
    assert Release.objects.overdue().exists()
    assert DateChange.objects.filter(status="agreed").exists()
    # The Health Data Lab is a producer too: its reports are its releases.
    assert {p.abbreviation for p in Producer.objects.all()} == {"ONS", "NHSE", "UKHSA", "DHSC", "OHID", "NHSBSA", "CQC",
                                                                "HDL"}  # fmt: skip
    assert 6 <= TopicNetwork.objects.count() <= 8
    users = {u.username: u for u in get_user_model().objects.all()}
    assert roles_of(users["nhse.hop"]).hop_of and roles_of(users["nhse.editor"]).editor_of
    assert roles_of(users["secretariat"]).secretariat and roles_of(users["osr.viewer"]).osr
    assert roles_of(users["network.lead"]).lead_of
    assert not TopicNetwork.objects.filter(leads=None).exists()  # every network page names its lead
    assert not users["lead.alcohol"].has_usable_password()
    assert users["admin"].is_superuser
    assert "demo-password-2026" in output and "local demo only" in output
    # The Health Data Lab's people are listed with the others (tests/sampledata/test_datalab_demo.py tests the lab).
    for username, *_ in lab_users():
        assert re.search(rf"^  {re.escape(username)} +demo-password-2026 ", output, re.MULTILINE), username
    assert "Health Data Lab: 3 charities and 17 requests" in output
    assert DataLabRequest.objects.count() == 17 and services.current_extract() is not None
    assert Flag.objects.filter(kind="clash").exists() and Flag.objects.filter(kind="duplicate").exists()
    # Every network has a published plan (and last year's, from the progress history: progress/demo.py).
    assert set(ActionPlan.objects.filter(status="published").values_list("network", flat=True)) == set(
        TopicNetwork.objects.values_list("pk", flat=True))  # fmt: skip
    assert ProgressReport.objects.filter(status="issued").count() == 2
    now = timezone.now()
    a_year_ago = subscriber_count(as_of=now - timedelta(days=365))
    assert subscriber_count(as_of=now) > 100 and 0 < a_year_ago < subscriber_count(as_of=now)
    networks = TopicNetwork.objects.count()
    # Each network's current plan; last year's plans are the progress history (progress/demo.py).
    assert sum(len(published_plan(n).items.all()) for n in TopicNetwork.objects.all()) == 5 * networks
    assert Lesson.objects.count() == 2 * networks and Lesson.objects.values("title").distinct().count() > 2
    assert EngagementActivity.objects.count() == 3 * networks
    assert {a.kind for a in EngagementActivity.objects.all()} >= {"event", "survey"}
    assert ProgressUpdate.objects.filter(item__status="in_progress").exists()
    assert ActionItem.objects.exclude(status="not_started").count() == (
        ActionItem.objects.filter(updates__isnull=False).distinct().count())


@pytest.mark.django_db
def test_history_rows_say_who_and_why():
    load(releases=40, seed=3, lab=False)

    release = Release.objects.filter(state=State.PUBLISHED).first()
    reasons = [h.history_change_reason for h in release.history.all()]
    assert reasons[0] == "Published"
    assert "Announced" in reasons
    assert all(h.history_user is not None for h in release.history.all())


def load_and_roll_back(seed: int) -> list[tuple]:
    """Load demo data, read it, and undo it (a flush inside the test transaction is not allowed on PostgreSQL)."""
    from sampledata.benchmarking import throwaway

    rows: list[tuple] = []
    with throwaway():
        load(releases=60, seed=seed, lab=False)
        rows.extend(Release.objects.order_by("slug").values_list("slug", "title", "state", "starts_on"))
    return rows


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    # The demo is built around today: both loads must see the same day, even when the run crosses midnight.
    with time_machine.travel(SOME_DAY, tick=True):
        first = load_and_roll_back(7)
        second = load_and_roll_back(7)

    assert first and first == second
    assert load_and_roll_back(8) != first


def lab_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Organisation, DataLabRequest, AuditEntry, CohortUpload,
                                                                DeletionCertificate, NationalExtract, BaseRate)}  # fmt: skip


@pytest.mark.django_db
def test_if_empty_leaves_existing_data_alone():
    load(releases=20, seed=1)
    count, lab = Release.objects.count(), lab_rows()
    extract = data_dir() / services.current_extract().folder
    files = {path: path.stat().st_mtime_ns for path in extract.rglob("*")}

    assert "already has data" in load(if_empty=True)
    assert Release.objects.count() == count
    assert lab_rows() == lab and lab["DataLabRequest"] > 0
    assert {path: path.stat().st_mtime_ns for path in extract.rglob("*")} == files  # the extract was not built again
    with pytest.raises(CommandError, match="already has data"):
        load()


@pytest.mark.django_db
def test_a_larger_register_adds_the_rest_in_bulk_with_history():
    load(releases=400, seed=2, no_scan=True, lab=False)

    assert Release.objects.count() >= 400
    bulk_history = Release.history.filter(history_change_reason="Demo data (bulk)")
    assert bulk_history.count() == Release.objects.count() - Release.history.exclude(
        history_change_reason="Demo data (bulk)").values("id").distinct().count()  # fmt: skip
    assert bulk_history.count() > 100
    assert not Release.objects.exclude(state="draft").filter(announced_at__isnull=True).exists()


@pytest.mark.django_db
def test_progress_goes_to_stderr_step_by_step():
    """It printed nothing for minutes; now every step says so on stderr (plain lines when not a terminal)."""
    out, err = StringIO(), StringIO()
    call_command("demo_data", releases=20, seed=1, stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    steps = [line for line in lines if " step " in line]
    assert [line.split(" step ", 1)[1].split(" ", 1)[0] for line in steps][:1] == ["1/7"]
    assert {line.split(" step ", 1)[1].split(" ", 1)[0] for line in steps} >= {f"{n}/7" for n in range(1, 8)}
    assert any("the Health Data Lab" in line for line in steps)
    assert "100%" in lines[-1] and lines[-1].endswith("done")
    assert "Loaded" in out.getvalue() and "Loaded" not in err.getvalue()


@pytest.mark.django_db
def test_no_progress_is_quiet_and_no_lab_leaves_the_lab_out():
    out, err = StringIO(), StringIO()
    call_command("demo_data", releases=20, seed=1, stdout=out, stderr=err, progress=False, lab=False)

    assert err.getvalue() == ""
    assert not Organisation.objects.exists() and not NationalExtract.objects.exists()
    assert "Health Data Lab" not in out.getvalue() and "charity.hartley" not in out.getvalue()
    assert "It has no Health Data Lab" in load(if_empty=True)  # and says how to see it
