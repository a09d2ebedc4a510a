"""Producer pages and the public release page: each action, each refusal, bad input, visibility and warnings."""

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from releases.choices import ChangeStatus, State
from releases.models import DateChange, PreReleaseAccess, Release
from tests.factories import (
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    london,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(client, user):
    client.force_login(user)
    return client


def form_data(cast, **overrides):
    data = {
        "title": "A&E attendances and emergency admissions: April 2027",
        "summary": "Monthly figures for England.",
        "lead_producer": cast.producer.pk,
        "networks": [cast.network.pk],
        "designation": "official",
        "geography": "england",
        "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam@example.org",
        "timing": "window",
        "window_start_month": "5",
        "window_start_year": "2027",
        "window_months": "1",
        "release_time": "9:30am",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return html.unescape(response.content.decode())


def history_reasons(release):
    return [(h.history_change_reason, h.history_user.username if h.history_user else None) for h in release.history.all()]


@pytest.mark.django_db
class TestRegister:
    url = reverse("producer:release-create")

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(self.url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_register_and_announce_a_window(self, client, cast):
        response = signed_in(client, cast.editor).post(self.url, form_data(cast, announce="1"))

        release = Release.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("producer:release-manage", kwargs={"slug": release.slug})
        assert release.state == State.PROVISIONAL
        assert (release.starts_on, release.ends_on) == (date(2027, 5, 1), date(2027, 5, 31))
        assert list(release.networks.all()) == [cast.network]
        assert history_reasons(release)[0] == ("Announced", "editor")

    def test_save_a_draft_with_an_exact_time(self, client, cast):
        data = form_data(cast, timing="exact", release_date_day="12", release_date_month="5",
                         release_date_year="2027", release_time="9:30am", draft="1")  # fmt: skip
        signed_in(client, cast.editor).post(self.url, data)

        release = Release.objects.get()
        assert release.state == State.DRAFT
        assert release.release_at == london(date(2027, 5, 12))

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"title": ""}, "Enter a title"),
            ({"lead_statistician_email": "not-an-address"}, "Enter an email address in the correct format"),
            ({"window_start_month": "", "window_start_year": ""}, "Enter the first month of the window"),
            ({"window_start_month": "13"}, "First month of the window must be a real date"),
            ({"timing": "exact", "release_date_day": "31", "release_date_month": "2", "release_date_year": "2027"},
             "Release date must be a real date"),
            ({"timing": "exact", "release_date_day": "12", "release_date_month": "5", "release_date_year": "2027",
              "release_time": "25:00"}, "Enter a real time"),
            ({"timing": "exact", "release_date_day": "2", "release_date_month": "1", "release_date_year": "2027"},
             "The release date and time must be in the future."),
            ({"window_start_month": "1", "window_start_year": "2027"}, "The window has already ended."),
            ({"reference_period_start_day": "1", "reference_period_start_month": "4",
              "reference_period_start_year": "2027", "reference_period_end_day": "1",
              "reference_period_end_month": "3", "reference_period_end_year": "2027"},
             "The end of the reference period must be the same as or after the start"),
            ({"designation": ""}, "Select the designation"),
        ],
    )  # fmt: skip
    def test_bad_input_shows_a_clear_error_and_saves_nothing(self, client, cast, overrides, message):
        response = signed_in(client, cast.editor).post(self.url, form_data(cast, **overrides))

        assert response.status_code == 200
        body = text(response)
        assert "There is a problem" in body
        assert message in body
        assert Release.objects.count() == 0

    def test_another_producers_releases_cannot_be_led(self, client, cast):
        response = signed_in(client, cast.editor).post(self.url, form_data(cast, lead_producer=cast.other_producer.pk))

        assert response.status_code == 200
        assert "Select a valid choice" in text(response)
        assert Release.objects.count() == 0


@pytest.mark.django_db
class TestActions:
    @pytest.fixture
    def provisional(self, cast):
        return ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2027, 12, 1),
                                         ends_on=date(2027, 12, 31))  # fmt: skip

    def test_confirm_shows_the_code_warnings_but_saves(self, client, cast, provisional):
        url = reverse("producer:release-confirm", kwargs={"slug": provisional.slug})
        response = signed_in(client, cast.editor).post(
            url, {"release_date_day": "25", "release_date_month": "12", "release_date_year": "2027",
                  "release_time": "10:00"}, follow=True,
        )  # fmt: skip

        provisional.refresh_from_db()
        assert provisional.state == State.CONFIRMED
        body = text(response)
        assert "25 December 2027 is a bank holiday in England and Wales (Christmas Day)." in body
        assert "The release time is 10am, not the standard 9:30am" in body
        assert "25 December 2027 is a Saturday: releases should be on a weekday." in body

    def test_short_notice_warning(self, client, cast):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2027, 3, 1),
                                            ends_on=date(2027, 3, 31))  # fmt: skip
        response = signed_in(client, cast.editor).post(
            reverse("producer:release-confirm", kwargs={"slug": release.slug}),
            {"release_date_day": "18", "release_date_month": "3", "release_date_year": "2027", "release_time": "9:30am"},
            follow=True,
        )

        assert "Confirmed 17 days ahead: the Code of Practice asks for at least 28 days' notice." in text(response)

    def test_request_then_hop_agrees(self, client, cast):
        release = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=london(date(2027, 5, 12)))
        signed_in(client, cast.editor).post(
            reverse("producer:release-request-change", kwargs={"slug": release.slug}),
            {"release_date_day": "19", "release_date_month": "5", "release_date_year": "2027",
             "release_time": "9:30am", "reason": "Late data from two trusts"},
        )  # fmt: skip
        change = DateChange.objects.get()
        release.refresh_from_db()
        assert change.status == ChangeStatus.PENDING and release.starts_on == date(2027, 5, 12)

        manage = signed_in(client, cast.hop).get(reverse("producer:release-manage", kwargs={"slug": release.slug}))
        assert "Agree the change" in text(manage)
        client.post(reverse("producer:change-agree", kwargs={"pk": change.pk}))

        release.refresh_from_db()
        assert release.starts_on == date(2027, 5, 19)
        assert history_reasons(release)[0] == (
            "Moved from 12 May 2027 9:30am to 19 May 2027 9:30am. Reason: Late data from two trusts", "hop")
        public = text(client.get(reverse("release-detail", kwargs={"slug": release.slug})))
        assert "moved from 12 May 2027 9:30am to 19 May 2027 9:30am. Reason: Late data from two trusts" in public

    def test_an_editor_cannot_agree(self, client, cast):
        change = DateChangeFactory(release=ConfirmedReleaseFactory(lead_producer=cast.producer),
                                   requested_by=cast.editor)  # fmt: skip
        response = signed_in(client, cast.editor).post(reverse("producer:change-agree", kwargs={"pk": change.pk}))

        assert response.status_code == 403
        change.refresh_from_db()
        assert change.status == ChangeStatus.PENDING

    def test_cancel_needs_a_reason(self, client, cast, provisional):
        url = reverse("producer:release-cancel", kwargs={"slug": provisional.slug})
        response = signed_in(client, cast.editor).post(url, {"reason": ""})
        assert response.status_code == 200 and "Enter the reason" in text(response)
        provisional.refresh_from_db()
        assert provisional.state == State.PROVISIONAL

        client.post(url, {"reason": "Merged into the annual report"})
        provisional.refresh_from_db()
        assert provisional.state == State.CANCELLED
        assert history_reasons(provisional)[0] == ("Cancelled: Merged into the annual report", "editor")

    def test_publish_needs_a_web_address_and_the_time_to_have_come(self, client, cast):
        due = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=NOW - timedelta(hours=1))
        later = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=NOW + timedelta(days=1))
        signed_in(client, cast.editor)

        bad = client.post(reverse("producer:release-publish", kwargs={"slug": due.slug}), {"published_url": "nope"})
        early = client.post(reverse("producer:release-publish", kwargs={"slug": later.slug}),
                            {"published_url": "https://www.gov.uk/x"})  # fmt: skip
        client.post(reverse("producer:release-publish", kwargs={"slug": due.slug}),
                    {"published_url": "https://www.gov.uk/government/statistics/x"})  # fmt: skip

        assert "Enter a full web address" in text(bad)
        assert "It cannot be marked as published before then." in text(early)
        due.refresh_from_db()
        later.refresh_from_db()
        assert (due.state, later.state) == (State.PUBLISHED, State.CONFIRMED)

    def test_pre_release_access_limit(self, client, cast):
        release = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=london(date(2027, 5, 12)))
        url = reverse("producer:access-add", kwargs={"slug": release.slug})
        data = {"recipient_role": "Secretary of State", "organisation": "DHSC", "justification": "Briefing",
                "access_date_day": "10", "access_date_month": "5", "access_date_year": "2027", "access_time": "9:30am"}  # fmt: skip
        response = signed_in(client, cast.editor).post(url, data)

        assert "Pre-release access can start at most 24 hours before the release" in text(response)
        assert PreReleaseAccess.objects.count() == 0
        client.post(url, {**data, "access_date_day": "11"})
        assert PreReleaseAccess.objects.count() == 1

    @pytest.mark.parametrize("who", ["other_editor", "lead", "secretariat", "osr"])
    def test_people_outside_the_producer_get_404(self, client, cast, provisional, who):
        response = signed_in(client, getattr(cast, who)).post(
            reverse("producer:release-cancel", kwargs={"slug": provisional.slug}), {"reason": "x"}
        )

        assert response.status_code == 404
        provisional.refresh_from_db()
        assert provisional.state == State.PROVISIONAL


@pytest.mark.django_db
class TestPublicPage:
    def test_drafts_are_private(self, client, cast):
        draft = ReleaseFactory(lead_producer=cast.producer)
        url = reverse("release-detail", kwargs={"slug": draft.slug})

        assert client.get(url).status_code == 404
        assert signed_in(client, cast.other_editor).get(url).status_code == 404
        assert signed_in(client, cast.editor).get(url).status_code == 200

    def test_pre_release_access_is_public_only_after_publication(self, client, cast):
        upcoming = ConfirmedReleaseFactory(lead_producer=cast.producer)
        published = PublishedReleaseFactory(lead_producer=cast.producer)
        for release in (upcoming, published):
            PreReleaseAccess.objects.create(release=release, recipient_role="Private secretary",
                                            organisation="DHSC", justification="Briefing",
                                            access_starts_at=release.release_at - timedelta(hours=2))  # fmt: skip

        hidden = text(client.get(reverse("release-detail", kwargs={"slug": upcoming.slug})))
        shown = text(client.get(reverse("release-detail", kwargs={"slug": published.slug})))

        assert "Private secretary" not in hidden and "Pre-release access" not in hidden
        assert "Private secretary, DHSC" in shown

    def test_cancelled_release_shows_its_reason(self, client, cast):
        from tests.factories import CancelledReleaseFactory

        release = CancelledReleaseFactory(lead_producer=cast.producer)
        body = text(client.get(reverse("release-detail", kwargs={"slug": release.slug})))

        assert "This release is cancelled. The data supplier could not provide the figures in time." in body


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, cast, django_assert_max_num_queries):
    signed_in(client, cast.editor)
    ConfirmedReleaseFactory.create_batch(3, lead_producer=cast.producer, networks=[cast.network])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("producer:release-list"))
    ConfirmedReleaseFactory.create_batch(30, lead_producer=cast.producer, networks=[cast.network])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("producer:release-list"))
    assert text(response).count('class="govuk-table__row"') == 34


@pytest.mark.django_db
def test_sign_in_does_not_reveal_whether_a_username_exists(client, cast):
    unknown = text(client.post(reverse("login"), {"username": "nobody", "password": "x"}))
    wrong = text(client.post(reverse("login"), {"username": "editor", "password": "x"}))

    def without_token(body: str) -> str:
        body = re.sub(r'nonce="[^"]+"', "", body)  # the CSP nonce is new for every response
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body).replace("nobody", "editor")

    assert "Enter a correct username and password" in unknown
    assert without_token(unknown) == without_token(wrong)


@pytest.mark.django_db
def test_registering_a_clashing_release_shows_the_clash_at_once(client, cast):
    ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[cast.network],
                            title="Hospital admissions in England: April 2027", release_at=london(date(2027, 5, 12)))  # fmt: skip
    data = form_data(cast, timing="exact", release_date_day="12", release_date_month="5", release_date_year="2027",
                     release_time="9:30am", announce="1")  # fmt: skip

    response = signed_in(client, cast.editor).post(reverse("producer:release-create"), data, follow=True)

    body = text(response)
    assert "Hospital admissions in England: April 2027 (Office for National Statistics)" in body
    assert "are both due in Urgent and emergency care on 12 May 2027 and are not marked as coordinated" in body


@pytest.mark.django_db
def test_saving_a_draft_previews_what_it_would_raise(client, cast):
    ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[cast.network],
                            release_at=london(date(2027, 5, 12)))  # fmt: skip
    data = form_data(cast, timing="exact", release_date_day="12", release_date_month="5", release_date_year="2027",
                     release_time="9:30am", draft="1")  # fmt: skip

    response = signed_in(client, cast.editor).post(reverse("producer:release-create"), data, follow=True)

    assert "are both due in Urgent and emergency care on 12 May 2027" in text(response)
    from coordination.models import Flag

    assert not Flag.objects.exists()
