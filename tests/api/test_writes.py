"""Writing through the API: the same services as the pages, the same history, optimistic concurrency, one error shape."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from coordination.choices import FlagKind, FlagStatus
from coordination.models import Flag
from ehssg.api.exceptions import VERSION_INVALID, VERSION_REQUIRED, VERSION_STALE
from releases import messages
from releases.api.serializers import DATE_RANGE, SCHEDULE_DRAFT_ONLY, SCHEDULE_ONE_OF
from releases.api.views import NO_PENDING_CHANGE
from releases.choices import ChangeStatus, Precision, State
from releases.models import DateChange, Release
from tests.api.conftest import DAY, NOW, client_for, if_match, register_body
from tests.factories import ConfirmedReleaseFactory, ProvisionalReleaseFactory, ReleaseFactory, UserFactory, london

pytestmark = pytest.mark.django_db


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()


class TestRegister:
    def test_a_draft_then_announced_with_history_by_the_service(self, cast):
        editor = client_for(cast.editor)
        response = editor.post("/api/v1/releases/", register_body("nhs-england"), format="json")

        assert response.status_code == 201
        body = response.json()
        assert (body["state"], body["precision"], body["display_date"]) == ("draft", "month", "May 2027 (draft)")
        assert response["Location"] == body["url"] and response["ETag"] == f'"{body["version"]}"'
        release = Release.objects.get(slug=body["slug"])
        assert release.created_by == cast.editor
        assert release.history.latest().history_user == cast.editor

        announced = editor.post(f"/api/v1/releases/{release.slug}/announce/", {}, format="json", **if_match(1))
        assert announced.json()["state"] == "provisional"
        assert announced["ETag"] == '"2"'

    def test_announce_at_once_with_an_exact_time_is_confirmed(self, cast):
        body = register_body("nhs-england", announce=True, release_at="2027-05-12T09:30")
        del body["window_start"]
        response = client_for(cast.editor).post("/api/v1/releases/", body, format="json")
        assert response.json()["state"] == "confirmed"
        assert response.json()["release_at"] == "2027-05-12T09:30:00+01:00"  # read as London time

    def test_a_clash_is_a_warning_never_a_block(self, cast):
        ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[cast.network],
                                release_at=london(date(2027, 5, 12)))  # fmt: skip
        body = register_body("nhs-england", announce=True, release_at="2027-05-12T09:30",
                             networks=["urgent-and-emergency-care"])  # fmt: skip
        del body["window_start"]
        response = client_for(cast.editor).post("/api/v1/releases/", body, format="json")
        assert response.status_code == 201
        assert any("are both due in Urgent and emergency care on 12 May 2027" in w for w in response.json()["warnings"])

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"window_start": "2026-01-01"}, "window_start", messages.WINDOW_IN_PAST),
            ({"release_at": "2027-05-12T09:30"}, "window_start", SCHEDULE_ONE_OF),
            ({"window_start": None}, "window_start", "This field may not be null."),
            ({"window_start": "9999-12-01"}, "window_start", DATE_RANGE),
            ({"window_start": "2027-02-30"}, "window_start", None),
            ({"lead_producer": "nobody"}, "lead_producer", "There is no producer with the slug nobody."),
            ({"lead_producer": 12345678901234567890}, "lead_producer", "Enter a slug: letters, numbers, hyphens and underscores."),
            ({"joint_producers": ["nhs-england"]}, "joint_producers", messages.LEAD_NOT_JOINT),
            ({"reference_period_start": "2027-04-30", "reference_period_end": "2027-04-01"}, "reference_period_end",
             messages.REFERENCE_PERIOD_ORDER),
            ({"title": "x" * 201}, "title", "Ensure this field has no more than 200 characters."),
            ({"title": "A\x00B"}, "title", "Null characters are not allowed."),
            ({"window_months": 3}, "window_months", '"3" is not a valid choice.'),
            ({"market_sensitive": "perhaps"}, "market_sensitive", "Must be a valid boolean."),
        ],
    )
    def test_invalid_input_is_400_naming_the_field(self, cast, change, field, message):
        body = {**register_body("nhs-england"), **change}
        data = error(client_for(cast.editor).post("/api/v1/releases/", body, format="json"), 400)
        assert data["errors"][0]["field"] == field
        if message:
            assert data["errors"][0]["message"] == message
        assert not Release.objects.exists()


class TestConcurrency:
    @pytest.fixture
    def release(self, cast):
        return ProvisionalReleaseFactory(lead_producer=cast.producer, version=3)

    def confirm(self, cast, release, **headers):
        body = {"release_at": london(release.starts_on.replace(day=12)).isoformat(), **headers.pop("body", {})}
        return client_for(cast.editor).post(f"/api/v1/releases/{release.slug}/confirm/", body, format="json", **headers)

    def test_missing_version_is_428(self, cast, release):
        data = error(self.confirm(cast, release), 428)
        assert data == {"detail": VERSION_REQUIRED, "errors": [{"field": None, "message": VERSION_REQUIRED,
                                                                 "code": "precondition_required"}]}  # fmt: skip
        assert Release.objects.get(pk=release.pk).state == State.PROVISIONAL

    @pytest.mark.parametrize("header", ['"2"', 'W/"3"', "3x", '"4", "5"'])
    def test_stale_or_wrong_if_match_is_412_and_nothing_changes(self, cast, release, header):
        data = error(self.confirm(cast, release, HTTP_IF_MATCH=header), 412)
        assert data["detail"] == VERSION_STALE.format(sent=header, current=3)
        after = Release.objects.get(pk=release.pk)
        assert (after.state, after.version, after.history.count()) == (State.PROVISIONAL, 3, release.history.count())

    def test_if_match_or_body_version(self, cast, release):
        assert self.confirm(cast, release, HTTP_IF_MATCH='"1", "3"').status_code == 200
        other = ProvisionalReleaseFactory(lead_producer=cast.producer, version=7)
        assert self.confirm(cast, other, body={"version": 7}).status_code == 200
        assert Release.objects.get(pk=other.pk).version == 8

    def test_stale_body_version_is_412(self, cast, release):
        error(self.confirm(cast, release, body={"version": 2}), 412)

    def test_invalid_body_version_is_400(self, cast, release):
        data = error(self.confirm(cast, release, body={"version": "three"}), 400)
        assert data["errors"][0]["field"] == "version"

    def test_two_clients_with_the_same_version_the_second_is_refused(self, cast, release):
        first = client_for(cast.editor).patch(f"/api/v1/releases/{release.slug}/", {"summary": "One", "reason": "a"},
                                              format="json", **if_match(3))  # fmt: skip
        second = client_for(cast.hop).patch(f"/api/v1/releases/{release.slug}/", {"summary": "Two", "reason": "b"},
                                            format="json", **if_match(3))  # fmt: skip
        assert (first.status_code, second.status_code) == (200, 412)
        assert Release.objects.get(pk=release.pk).summary == "One"

    def test_version_error_message(self):
        assert VERSION_INVALID == "A version is a whole number, as in the ETag of the release."


class TestUpdate:
    def test_patch_needs_a_reason_and_keeps_what_is_not_sent(self, cast):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
        editor = client_for(cast.editor)
        data = error(editor.patch(f"/api/v1/releases/{release.slug}/", {"summary": "New"}, format="json",
                                  **if_match(1)), 400)  # fmt: skip
        assert data["errors"] == [{"field": "reason", "message": messages.REASON_REQUIRED, "code": "invalid"}]

        ok = editor.patch(f"/api/v1/releases/{release.slug}/", {"summary": "New", "reason": "Shorter"}, format="json",
                          **if_match(1))  # fmt: skip
        assert ok.status_code == 200
        assert (ok.json()["summary"], ok.json()["networks"], ok.json()["title"]) == ("New", ["urgent-and-emergency-care"], release.title)
        assert Release.objects.get(pk=release.pk).history.latest().history_change_reason == "Shorter"

    def test_state_dates_and_sequence_are_read_only(self, cast):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer)
        response = client_for(cast.editor).patch(
            f"/api/v1/releases/{release.slug}/",
            {"state": "published", "starts_on": "2030-01-01", "sequence": 99, "version": 1, "reason": "try"},
            format="json",
        )
        assert response.status_code == 200
        after = Release.objects.get(pk=release.pk)
        assert (after.state, after.starts_on, after.sequence) == (State.PROVISIONAL, release.starts_on, 0)

    def test_an_announced_date_changes_only_through_the_actions(self, cast):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer)
        data = error(client_for(cast.editor).patch(f"/api/v1/releases/{release.slug}/",
                                                   {"window_start": "2027-09-01", "reason": "later"},
                                                   format="json", **if_match(1)), 400)  # fmt: skip
        assert data["errors"] == [{"field": "window_start", "message": SCHEDULE_DRAFT_ONLY, "code": "invalid"}]

    def test_a_drafts_date_can_change(self, cast):
        draft = ReleaseFactory(lead_producer=cast.producer)
        response = client_for(cast.editor).patch(f"/api/v1/releases/{draft.slug}/",
                                                 {"window_start": "2027-09-01", "window_months": 2, "reason": "later"},
                                                 format="json", **if_match(1))  # fmt: skip
        assert response.json()["display_date"] == "September to October 2027 (draft)"

    def test_discarding_an_announced_release_is_refused(self, cast):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer)
        data = error(client_for(cast.editor).delete(f"/api/v1/releases/{release.slug}/", **if_match(1)), 400)
        assert data["detail"] == messages.CANNOT_DISCARD


class TestLifecycle:
    def test_confirm_request_agree_cancel(self, cast, anon):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 31))
        editor, hop = client_for(cast.editor), client_for(cast.hop)
        url = f"/api/v1/releases/{release.slug}"

        outside = error(editor.post(f"{url}/confirm/", {"release_at": "2027-06-02T09:30"}, format="json",
                                    **if_match(1)), 400)  # fmt: skip
        assert outside["errors"][0]["field"] == "release_at"
        confirmed = editor.post(f"{url}/confirm/", {"release_at": "2027-05-12T09:30"}, format="json", **if_match(1))
        assert confirmed.json()["display_date"] == "12 May 2027 9:30am (confirmed)"

        asked = editor.post(f"{url}/request-change/", {"release_at": "2027-05-19T09:30", "reason": "Supplier late"},
                            format="json", **if_match(2))  # fmt: skip
        assert asked.status_code == 201 and asked.json()["status"] == "pending"
        assert anon.get(f"{url}/").json()["date_changes"] == []
        refused = error(editor.post(f"{url}/agree-change/", {}, format="json", **if_match(2)), 403)
        assert refused["detail"] == messages.NOT_HOP.format(producer=cast.producer)

        agreed = hop.post(f"{url}/agree-change/", {"note": "Fine"}, format="json", **if_match(2))
        assert agreed.json()["display_date"] == "19 May 2027 9:30am (confirmed)"
        assert agreed.json()["is_postponed"] is True
        assert anon.get(f"{url}/").json()["date_changes"][0]["reason"] == "Supplier late"
        assert error(hop.post(f"{url}/agree-change/", {}, format="json", **if_match(3)), 400)["detail"] == NO_PENDING_CHANGE

        no_reason = error(editor.post(f"{url}/cancel/", {"reason": " "}, format="json", **if_match(3)), 400)
        assert no_reason["errors"] == [{"field": "reason", "message": messages.CANCEL_REASON_REQUIRED, "code": "invalid"}]
        cancelled = editor.post(f"{url}/cancel/", {"reason": "Merged"}, format="json", **if_match(3))
        assert (cancelled.json()["state"], cancelled.json()["cancellation_reason"]) == ("cancelled", "Merged")
        assert error(editor.post(f"{url}/cancel/", {"reason": "Again"}, format="json", **if_match(4)), 400)[
            "detail"] == messages.CANNOT_CANCEL.format(state="cancelled")  # fmt: skip

    def test_change_endpoints(self, cast):
        release = ConfirmedReleaseFactory(lead_producer=cast.producer)
        editor, hop = client_for(cast.editor), client_for(cast.hop)
        later = (release.release_at + timedelta(days=7)).isoformat()
        change = editor.post(f"/api/v1/releases/{release.slug}/request-change/", {"release_at": later, "reason": "x"},
                             format="json", **if_match(1)).json()  # fmt: skip
        again = error(editor.post(f"/api/v1/releases/{release.slug}/request-change/",
                                  {"release_at": later, "reason": "y"}, format="json", **if_match(1)), 400)  # fmt: skip
        assert again["detail"] == messages.CHANGE_ALREADY_PENDING

        no_note = error(hop.post(f"/api/v1/date-changes/{change['id']}/refuse/", {"note": ""}, format="json",
                                 **if_match(1)), 400)  # fmt: skip
        assert no_note["errors"][0]["field"] == "note"
        withdrawn = editor.post(f"/api/v1/date-changes/{change['id']}/withdraw/", {}, format="json", **if_match(1))
        assert withdrawn.json()["status"] == "withdrawn"
        assert error(hop.post(f"/api/v1/date-changes/{change['id']}/agree/", {}, format="json", **if_match(1)), 400)[
            "detail"] == messages.CHANGE_NOT_PENDING.format(status="withdrawn")  # fmt: skip

        second = editor.post(f"/api/v1/releases/{release.slug}/request-change/", {"release_at": later, "reason": "z"},
                             format="json", **if_match(1)).json()  # fmt: skip
        agreed = hop.post(f"/api/v1/date-changes/{second['id']}/agree/", {}, format="json", **if_match(1))
        assert agreed.json()["status"] == "agreed" and agreed["ETag"] == '"2"'
        assert DateChange.objects.get(pk=second["id"]).decided_by == cast.hop
        assert Release.objects.get(pk=release.pk).release_at == release.release_at + timedelta(days=7)

    def test_publish(self, cast):
        due = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=london(NOW.date() - timedelta(days=1)))
        early = ConfirmedReleaseFactory(lead_producer=cast.producer)
        editor = client_for(cast.editor)
        bad = error(editor.post(f"/api/v1/releases/{due.slug}/publish/", {"published_url": "not a url"}, format="json",
                                **if_match(1)), 400)  # fmt: skip
        assert bad["errors"][0]["field"] == "published_url"
        ok = editor.post(f"/api/v1/releases/{due.slug}/publish/", {"published_url": "https://www.gov.uk/stats"},
                         format="json", **if_match(1))  # fmt: skip
        assert (ok.json()["state"], ok.json()["published_url"]) == ("published", "https://www.gov.uk/stats")
        not_yet = error(editor.post(f"/api/v1/releases/{early.slug}/publish/", {"published_url": "https://x.org/"},
                                    format="json", **if_match(1)), 400)  # fmt: skip
        assert not_yet["detail"].startswith("This release is due at 9:30am on")

    def test_pre_release_access(self, cast):
        release = ConfirmedReleaseFactory(lead_producer=cast.producer)
        editor = client_for(cast.editor)
        url = f"/api/v1/releases/{release.slug}/pre-release-access/"
        body = {"recipient_role": "Minister", "organisation": "DHSC", "justification": "Statement",
                "access_starts_at": (release.release_at - timedelta(hours=30)).isoformat()}  # fmt: skip
        too_early = error(editor.post(url, body, format="json", **if_match(1)), 400)
        assert too_early["errors"][0]["field"] == "access_starts_at"
        body["access_starts_at"] = (release.release_at - timedelta(hours=3)).isoformat()
        entry = editor.post(url, body, format="json", **if_match(1)).json()
        assert editor.get(url).json() == [entry]
        removed = editor.post(f"{url}{entry['id']}/remove/", {"reason": "Not needed"}, format="json", **if_match(1))
        assert removed.json()["is_removed"] is True
        assert editor.get(url).json() == []


class TestFlags:
    def test_settle_and_refuse_a_second_settle(self, cast):
        a = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network], release_at=london(date(2027, 5, 12)))
        b = ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[cast.network],
                                    release_at=london(date(2027, 5, 12)))  # fmt: skip
        from coordination.flagging import flags_rescan

        flags_rescan()
        clash = Flag.objects.get(kind=FlagKind.CLASH)
        lead = client_for(cast.lead)
        listed = lead.get("/api/v1/flags/?kind=clash&status=open&network=urgent-and-emergency-care").json()
        assert [f["id"] for f in listed["results"]] == [clash.pk]
        assert set(listed["results"][0]["releases"]) == {a.slug, b.slug}

        not_clash = error(lead.post(f"/api/v1/flags/{clash.pk}/confirm-duplicate/", {"withdraw": a.slug, "reason": "x"},
                                    format="json"), 400)  # fmt: skip
        assert not_clash["detail"] == messages.FLAG_NOT_A_DUPLICATE
        done = lead.post(f"/api/v1/flags/{clash.pk}/mark-coordinated/", {"reason": "Joint briefing"}, format="json")
        assert done.json()["status"] == FlagStatus.RESOLVED
        again = error(client_for(cast.secretariat).post(f"/api/v1/flags/{clash.pk}/dismiss/", {"reason": "x"},
                                                        format="json"), 400)  # fmt: skip
        assert again["detail"] == messages.FLAG_ALREADY_SETTLED.format(status="resolved")


class TestErrors:
    def test_malformed_json(self, cast):
        data = error(client_for(cast.editor).post("/api/v1/releases/", "{bad", content_type="application/json"), 400)
        assert data["errors"][0]["field"] is None and data["errors"][0]["code"] == "parse_error"

    def test_not_json(self, cast):
        response = client_for(cast.editor).post("/api/v1/releases/", "title=x", content_type="application/x-www-form-urlencoded")
        assert error(response, 415)["errors"][0]["code"] == "unsupported_media_type"

    @pytest.mark.parametrize("body", [[], "a string", 12, None, {"title": {"nested": True}}])
    def test_wrong_shapes_are_400(self, cast, body):
        error(client_for(cast.editor).post("/api/v1/releases/", body, format="json"), 400)

    @pytest.mark.parametrize("path", ["/api/v1/date-changes/99999999999999999999/", "/api/v1/flags/1e9/",
                                      "/api/v1/releases/%00/", "/api/v1/releases/a%0Ab/", "/api/v2/", "/api/v1/releases"])
    def test_unknown_addresses_are_json_404(self, cast, path):
        data = error(client_for(cast.editor).get(path), 404)
        assert data["errors"][0]["code"] == "not_found"

    def test_a_bad_token_is_401(self, anon):
        anon.credentials(HTTP_AUTHORIZATION="Token nonsense")
        assert error(anon.get("/api/v1/releases/"), 401)["detail"] == "Invalid token."

    def test_throttling_is_429_with_retry_after(self, cast, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"}}
        from rest_framework.test import APIClient

        anon = APIClient()
        assert [anon.get("/api/v1/producers/").status_code for _ in range(3)] == [200, 200, 429]
        throttled = anon.get("/api/v1/producers/")
        assert throttled["Retry-After"] and throttled.json()["errors"][0]["code"] == "throttled"
        editor = client_for(cast.editor)
        assert [editor.get("/api/v1/producers/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_drf_create_token_and_session_both_work(cast):
    call_command("drf_create_token", "editor", verbosity=0)
    token = Token.objects.get(user=cast.editor)
    from rest_framework.test import APIClient

    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.post("/api/v1/releases/", register_body("nhs-england"), format="json").status_code == 201

    by_session = APIClient(enforce_csrf_checks=False)
    user = UserFactory(username="session_editor")
    from tests.factories import give_role

    give_role(user, cast.producer)
    by_session.force_login(user)
    assert by_session.post("/api/v1/releases/", register_body("nhs-england"), format="json").status_code == 201
    assert ChangeStatus.PENDING and Precision.EXACT  # the enums the API exposes exist


@pytest.mark.django_db
def test_relating_two_releases_raises_their_misalignment(cast):
    from coordination.models import ReleaseRelation

    a = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=london(DAY))
    b = ConfirmedReleaseFactory(lead_producer=cast.other_producer, release_at=london(DAY + timedelta(days=2)))

    response = client_for(cast.editor).post(f"/api/v1/releases/{a.slug}/relate/",
                                            {"other": b.slug, "kind": "related", "note": "Read together"},
                                            format="json")  # fmt: skip

    assert response.status_code == 200, response.content
    relation = ReleaseRelation.objects.get()
    assert (relation.kind, relation.note, relation.created_by) == ("related", "Read together", cast.editor)
    flag = Flag.objects.filter(kind=FlagKind.MISALIGNED, releases=a).filter(releases=b).get()
    assert flag.explanation in response.json()["warnings"]
    itself = client_for(cast.editor).post(f"/api/v1/releases/{a.slug}/relate/", {"other": a.slug, "kind": "related"},
                                          format="json")  # fmt: skip
    assert itself.status_code == 400 and ReleaseRelation.objects.count() == 1


@pytest.mark.django_db
def test_definitions_are_set_through_the_api(cast):
    from releases.models import Definition, Measure

    measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
    definition = Definition.objects.create(measure=measure, owner=cast.producer, version="1", text="Admitted via A&E.")
    body = register_body(cast.producer.slug, definitions=[definition.pk])

    created = client_for(cast.editor).post("/api/v1/releases/", body, format="json")
    unknown = client_for(cast.editor).post("/api/v1/releases/", register_body(cast.producer.slug, definitions=[999999]),
                                           format="json")  # fmt: skip

    assert created.status_code == 201 and created.json()["definitions"] == [definition.pk]
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "definitions"
