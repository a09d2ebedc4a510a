"""The Health Data Lab's demo (sampledata/datalab_demo.py): three charities, the lab's people, requests in every
state before the analysis with their audit trails, on a small extract made with the uploads' key and reused."""

import json
import random
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from datalab import services, store
from datalab.choices import AgeGroup, Outcome, RequestState
from datalab.extract import data_dir, index_window
from datalab.models import AuditEntry, CohortUpload, DataLabRequest, DeletionCertificate, Organisation, UploadStatus
from datalab.pseudonymise import KEY_ENV, KEY_FILE_ENV
from datalab.states import TRANSITIONS, Step
from ehssg.roles import roles_of
from sampledata.benchmarking import throwaway
from sampledata.datalab_demo import CHARITIES, EXTRACT_PERSONS, build_lab, demo_extract
from sampledata.demo import DEMO_PASSWORD, Demo
from tests.factories import make_secretariat

NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
# Every state a request reaches on the usual path (but "output checked", a moment before the factual review), and the
# turns off it.
AFTER_ANALYSIS = {RequestState.ANALYSED, RequestState.FACTUAL_REVIEW, RequestState.SCHEDULED, RequestState.PUBLISHED}
STATES = {
    RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED, RequestState.AGREEMENT_SIGNED,
    RequestState.AWAITING_UPLOAD, RequestState.LINKED, RequestState.FEASIBLE, RequestState.PROTOCOL_LOCKED,
    RequestState.NOT_FEASIBLE, RequestState.WITHDRAWN, RequestState.DATA_DELETED, RequestState.CLOSED,
    *AFTER_ANALYSIS,
}  # fmt: skip
HELD = {RequestState.LINKED, RequestState.FEASIBLE, RequestState.PROTOCOL_LOCKED, RequestState.NOT_FEASIBLE,
        *AFTER_ANALYSIS}  # fmt: skip
# What the audit trail records between the steps: an upload received, a run asked for, the description corrected.
EVENTS_WITHOUT_STEP = {"cohort_received", "analysis_requested", "description_corrected"}
pytestmark = pytest.mark.django_db


def make_demo() -> Demo:
    return Demo(rng=random.Random(4), now=NOW, users={"secretariat": make_secretariat()},
                hashed_password=make_password(DEMO_PASSWORD))  # fmt: skip


def test_a_demo_failing_part_way_leaves_no_request_folder(monkeypatch):
    """First in this module: it runs before the module's demo is loaded (the people would exist twice)."""

    def broken(**kwargs):
        raise RuntimeError("the analyst's laptop caught fire")

    monkeypatch.setattr(services, "request_mark_feasible", broken)
    with pytest.raises(RuntimeError, match="caught fire"):
        build_lab(make_demo())

    assert CohortUpload.objects.exists()  # the failure came after an upload (the test's transaction rolls it back)
    assert not [path for path in (data_dir() / "requests").iterdir() if path.name in set(
        DataLabRequest.objects.values_list("reference", flat=True))]  # fmt: skip


@pytest.fixture(scope="module")
def lab_demo(django_db_setup, django_db_blocker):
    """The lab's part alone, loaded once for this module's tests (rolled back after them), on the demo's clock, with
    the development key the embedded settings create."""
    with pytest.MonkeyPatch.context() as monkeypatch, django_db_blocker.unblock(), throwaway():
        monkeypatch.delenv(KEY_ENV, raising=False)
        monkeypatch.delenv(KEY_FILE_ENV, raising=False)
        with time_machine.travel(NOW, tick=False):
            counts = build_lab(make_demo())
        yield counts


def test_three_charities_and_the_labs_people(lab_demo):
    users = {u.username: u for u in get_user_model().objects.all()}

    for charity in CHARITIES:
        organisation = Organisation.objects.get(slug=charity.slug)
        assert organisation.name == charity.name
        assert list(organisation.members.all()) == [users[charity.username]]
        assert roles_of(users[charity.username]).charity_of == {organisation.pk}
        assert organisation.requests.count() >= 3
    assert roles_of(users["lab.analyst"]).lab_analyst and roles_of(users["lab.analyst2"]).lab_analyst
    assert roles_of(users["lab.checker"]).output_checker and not roles_of(users["lab.checker"]).lab_analyst
    assert all(users[name].check_password(DEMO_PASSWORD) for name in ("charity.hartley", "lab.analyst", "lab.checker"))
    assert lab_demo["datalab_charities"] == 3 and lab_demo["datalab_requests"] == DataLabRequest.objects.count()


def test_requests_in_every_state_with_their_audit_trails(lab_demo):
    requests = list(DataLabRequest.objects.order_by("pk"))
    assert {r.state for r in requests} == STATES

    first, last = index_window()
    for request in requests:
        entries = list(request.audit_entries.order_by("at", "pk"))
        assert entries[0].event == "created" and entries[0].to_state == RequestState.DRAFT
        assert entries[0].at == request.created_at
        state, taken = RequestState.DRAFT, []
        for entry in entries[1:]:
            if not entry.step:
                assert entry.event in EVENTS_WITHOUT_STEP, (request, entry.event)
                continue
            transition = TRANSITIONS[Step(entry.step)]
            assert entry.from_state == state and entry.from_state in transition.sources, (request, entry.step)
            assert entry.to_state == transition.target
            state = entry.to_state
            taken.append(entry.step)
        assert state == request.state
        assert len(taken) == len(set(taken))  # one entry per step
        assert [e.at for e in entries] == sorted(e.at for e in entries) and entries[-1].at < NOW
        assert request.history.count() >= len(taken) + 1 and request.history.first().history_date < NOW
        assert first <= request.delivery_start <= request.delivery_end <= last  # a year each side inside coverage
        if request.state != RequestState.DRAFT:
            assert request.submitted_at is not None and all(check["passed"] for check in request.eligibility)
            assert request.power
        if Step.LINK in taken:
            assert request.uploads.filter(status=UploadStatus.RECEIVED).count() == 0
            assert request.linkage["submitted"] == request.uploads.get().rows > 0
            assert 0 < request.linkage["linked"] <= request.linkage["submitted"]
            assert request.linkage["analysable"] > 0 and request.linkage["link_rate"] > 0.9
        assert store.holds_files(request.reference) == (request.state in HELD)


def test_a_small_draft_shows_why_it_cannot_be_submitted(lab_demo):
    draft = DataLabRequest.objects.get(state=RequestState.DRAFT)

    assert draft.expected_people < settings.DATALAB_MIN_PEOPLE
    checks = services.application_checks(draft)
    assert [check for check in checks if not check.passed]
    assert services.power_check(draft) is not None


def test_reasons_for_the_turns_and_deleted_data_certified(lab_demo):
    not_feasible = DataLabRequest.objects.get(state=RequestState.NOT_FEASIBLE)
    assert f"helped {not_feasible.linkage['submitted']} carers" in not_feasible.outcome_reasons
    assert f"{not_feasible.linkage['analysable']} of them could be linked" in not_feasible.outcome_reasons
    assert not_feasible.linkage["analysable"] < settings.DATALAB_MIN_PEOPLE
    assert DataLabRequest.objects.get(state=RequestState.WITHDRAWN).outcome_reasons

    for state in (RequestState.DATA_DELETED, RequestState.CLOSED):
        request = DataLabRequest.objects.get(state=state)
        certificate = DeletionCertificate.objects.get(request=request)
        assert certificate.verified and certificate.files and certificate.deleted_by == "datalab.delete_due_data"
        assert not store.request_dir(request.reference).exists()
        assert set(request.uploads.values_list("status", flat=True)) == {UploadStatus.DELETED}
        assert request.linkage["linked"] > 0  # the counts stay


def test_the_extract_is_current_with_every_base_rate_and_no_person_level_data_in_the_database(lab_demo):
    extract = services.current_extract()

    assert extract is not None and extract.persons == EXTRACT_PERSONS
    pairs = set(extract.base_rates.values_list("outcome", "age_group"))
    assert pairs == {(o.value, a.value) for o in Outcome for a in AgeGroup}
    written = json.dumps([
        list(DataLabRequest.objects.values_list("linkage", "eligibility", "power", "protocol")),
        list(CohortUpload.objects.values_list("linkage", "stored_as")),
        list(AuditEntry.objects.values_list("details", "reason")),
    ], default=str)  # fmt: skip
    assert not re.search(r"\b9\d{9}\b", written)  # no NHS number (the extract's are 9000000000-9999999999)


def test_the_extract_is_built_once_for_each_key(lab_demo, monkeypatch):
    extract, built = demo_extract()
    assert not built and extract.path.resolve() == data_dir().resolve() / services.current_extract().folder

    monkeypatch.setenv(KEY_ENV, "another-pseudonymisation-key-0123456789")
    other, built = demo_extract()
    assert built and other.path != extract.path and other.path.parent == extract.path.parent
