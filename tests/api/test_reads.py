"""Reading the register through the API: visibility, the calendar's filters, constant query counts, history."""

from datetime import date, timedelta

import pytest

from releases import messages
from releases.choices import ChangeStatus, Designation, State
from releases.filtersets import NOT_A_SLUG, UNKNOWN_SLUG
from releases.models import Definition, Measure
from tests.api.conftest import NOW, client_for, if_match, register_body
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    ReleaseSeriesFactory,
    london,
)

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["slug"] for r in response.json()["results"]]


class TestVisibility:
    def test_drafts_only_for_their_producers_people(self, cast, anon):
        announced = ProvisionalReleaseFactory(lead_producer=cast.producer)
        draft = ReleaseFactory(lead_producer=cast.producer)
        joint_draft = ReleaseFactory(lead_producer=cast.other_producer, joint_producers=[cast.producer])

        assert slugs(anon.get("/api/v1/releases/")) == [announced.slug]
        assert set(slugs(client_for(cast.osr).get("/api/v1/releases/"))) == {announced.slug}
        assert set(slugs(client_for(cast.editor).get("/api/v1/releases/"))) == {announced.slug, draft.slug, joint_draft.slug}
        assert set(slugs(client_for(cast.other_editor).get("/api/v1/releases/"))) == {announced.slug, joint_draft.slug}
        assert anon.get(f"/api/v1/releases/{draft.slug}/").status_code == 404

    def test_not_found_has_the_error_shape(self, anon):
        response = anon.get("/api/v1/releases/no-such-release/")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "Not found. It does not exist, or you cannot see it.",
            "errors": [
                {"field": None, "message": "Not found. It does not exist, or you cannot see it.", "code": "not_found"}
            ],
        }


class TestDetail:
    def test_full_body_with_etag_and_agreed_changes_only(self, cast, anon):
        release = ConfirmedReleaseFactory(
            lead_producer=cast.producer,
            networks=[cast.network],
            title="A&E attendances, April 2027",
            slug="ae-attendances-april-2027",
            uid="6d1f1b4e-9a43-4a32-8f3e-5b0d3c7e2a11",
            release_at=london(date(2027, 5, 13)),
            announced_at=NOW - timedelta(days=30),
            confirmed_at=NOW - timedelta(days=20),
            revised_at=NOW - timedelta(days=10),
            version=4,
        )
        agreed = DateChangeFactory(
            release=release,
            status=ChangeStatus.AGREED,
            previous_release_at=london(date(2027, 5, 6)),
            previous_starts_on=date(2027, 5, 6),
            previous_ends_on=date(2027, 5, 6),
            new_release_at=release.release_at,
            new_starts_on=release.starts_on,
            new_ends_on=release.ends_on,
            requested_at=NOW - timedelta(days=11),
            decided_at=NOW - timedelta(days=10),
            decided_by=cast.hop,
            requested_by=cast.editor,
        )
        DateChangeFactory(release=release, requested_by=cast.editor)  # pending: not public

        response = anon.get(f"/api/v1/releases/{release.slug}/")

        assert response.status_code == 200
        assert response["ETag"] == '"4"'
        assert response.json() == {
            "slug": "ae-attendances-april-2027",
            "url": "http://testserver/api/v1/releases/ae-attendances-april-2027/",
            "uid": "6d1f1b4e-9a43-4a32-8f3e-5b0d3c7e2a11",
            "title": "A&E attendances, April 2027",
            "summary": "Figures for England.",
            "series": None,
            "lead_producer": "nhs-england",
            "joint_producers": [],
            "networks": ["urgent-and-emergency-care"],
            "definitions": [],
            "designation": "official",
            "reference_period_start": None,
            "reference_period_end": None,
            "geography": "england",
            "lead_statistician_name": "Sam Analyst",
            "lead_statistician_email": "sam.analyst@example.org",
            "market_sensitive": False,
            "state": "confirmed",
            "is_overdue": False,
            "is_postponed": True,
            "precision": "exact",
            "release_at": "2027-05-13T09:30:00+01:00",
            "starts_on": "2027-05-13",
            "ends_on": "2027-05-13",
            "display_date": "13 May 2027 9:30am (confirmed)",
            "published_url": None,
            "published_at": None,
            "cancellation_reason": "",
            "cancelled_at": None,
            "withdrawn_in_favour_of": None,
            "announced_at": "2027-01-30T12:00:00Z",
            "confirmed_at": "2027-02-09T12:00:00Z",
            "date_changes": [
                {
                    "id": agreed.pk,
                    "previous_display_date": "6 May 2027 9:30am",
                    "new_display_date": "13 May 2027 9:30am",
                    "previous_precision": "exact",
                    "previous_release_at": "2027-05-06T09:30:00+01:00",
                    "previous_starts_on": "2027-05-06",
                    "previous_ends_on": "2027-05-06",
                    "new_precision": "exact",
                    "new_release_at": "2027-05-13T09:30:00+01:00",
                    "new_starts_on": "2027-05-13",
                    "new_ends_on": "2027-05-13",
                    "reason": "Data quality checks need another week.",
                    "requested_at": "2027-02-18T12:00:00Z",
                    "agreed_at": "2027-02-19T12:00:00Z",
                }
            ],
            "sequence": 1,
            "revised_at": "2027-02-19T12:00:00Z",
            "version": 4,
        }


class TestFilters:
    @pytest.fixture
    def calendar(self, cast):
        ae = ConfirmedReleaseFactory(
            lead_producer=cast.producer, networks=[cast.network], title="A&E attendances, April 2027",
            release_at=london(date(2027, 5, 13)), designation=Designation.ACCREDITED,
        )  # fmt: skip
        cancer = ProvisionalReleaseFactory(
            lead_producer=cast.other_producer, networks=[cast.other_network], title="Cancer waiting times",
            summary="Monthly cancer waiting times for England", starts_on=date(2027, 6, 1), ends_on=date(2027, 6, 30),
        )  # fmt: skip
        joint = ProvisionalReleaseFactory(
            lead_producer=cast.other_producer, joint_producers=[cast.producer], title="Hospital beds",
            starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31),
        )  # fmt: skip
        cancelled = CancelledReleaseFactory(lead_producer=cast.producer, title="Old survey")
        published = PublishedReleaseFactory(lead_producer=cast.producer, title="Published figures")
        postponed = ConfirmedReleaseFactory(lead_producer=cast.producer, title="Moved later")
        DateChangeFactory(
            release=postponed, status=ChangeStatus.AGREED, decided_by=cast.hop, decided_at=NOW,
            previous_release_at=postponed.release_at - timedelta(days=7),
            new_release_at=postponed.release_at,
        )  # fmt: skip
        return {"ae": ae, "cancer": cancer, "joint": joint, "cancelled": cancelled, "published": published,
                "postponed": postponed}  # fmt: skip

    def names(self, calendar, response) -> set[str]:
        by_slug = {r.slug: name for name, r in calendar.items()}
        return {by_slug[s] for s in slugs(response)}

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("q=cancer+england", {"cancer"}),
            ("q=ATTENDANCES", {"ae"}),
            ("producer=nhs-england", {"ae", "joint", "cancelled", "published", "postponed"}),
            ("producer=ons", {"cancer", "joint"}),
            ("producer=ons&producer=nhs-england", {"ae", "cancer", "joint", "cancelled", "published", "postponed"}),
            ("network=cancer", {"cancer"}),
            ("network=cancer&network=urgent-and-emergency-care", {"cancer", "ae"}),
            ("designation=accredited", {"ae"}),
            ("status=provisional", {"cancer", "joint"}),
            ("status=confirmed", {"ae", "postponed"}),
            ("status=postponed", {"postponed"}),
            ("status=cancelled&status=published", {"cancelled", "published"}),
            ("from=2027-06-15&to=2027-07-01", {"cancer", "joint"}),
            ("from=2027-08-31", {"joint"}),
            ("from=&to=", {"ae", "cancer", "joint", "cancelled", "published", "postponed"}),
        ],
    )
    def test_calendar_parameters(self, calendar, anon, query, expected):
        assert self.names(calendar, anon.get(f"/api/v1/releases/?{query}")) == expected

    def test_ordering(self, calendar, anon):
        titles = [r["title"] for r in anon.get("/api/v1/releases/?ordering=-title&status=provisional").json()["results"]]
        assert titles == ["Hospital beds", "Cancer waiting times"]

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ("producer=nobody", "producer", UNKNOWN_SLUG.format(kind="producer", value="nobody")),
            ("network=no%20such", "network", NOT_A_SLUG.format(value="no such")),
            ("status=lost", "status", "Select a valid choice. lost is not one of the available choices."),
            ("from=2027-02-30", "from", messages.DATE_FROM_INVALID),
            ("to=tomorrow", "to", messages.DATE_TO_INVALID),
            ("from=2027-07-02&to=2027-07-01", "from", messages.DATE_FROM_AFTER_TO),
            ("ordering=secret", "ordering", "Select a valid choice. secret is not one of the available choices."),
            ("page_size=0", "page_size", "page_size is a whole number from 1 to 200."),
        ],
    )
    def test_bad_parameters_are_400_naming_the_parameter(self, calendar, anon, query, field, message):
        response = anon.get(f"/api/v1/releases/?{query}")
        assert response.status_code == 400
        assert response.json()["errors"] == [{"field": field, "message": message, "code": response.json()["errors"][0]["code"]}]
        assert response.json()["detail"] == message

    def test_a_page_past_the_end_is_404(self, calendar, anon):
        assert anon.get("/api/v1/releases/?page=99").status_code == 404


@pytest.mark.parametrize("count", [5, 30])
def test_listing_costs_a_constant_number_of_queries(cast, count, django_assert_max_num_queries):
    series = ReleaseSeriesFactory(producers=[cast.producer])
    for i in range(count):
        release = ConfirmedReleaseFactory(
            lead_producer=cast.producer, joint_producers=[cast.other_producer], networks=[cast.network], series=series
        )
        DateChangeFactory(release=release, status=ChangeStatus.AGREED, decided_by=cast.hop, decided_at=NOW,
                          new_release_at=release.release_at + timedelta(days=i))  # fmt: skip
    client = client_for(cast.editor)
    client.get("/api/v1/releases/")  # the token is looked up once per request either way
    # Token; roles (memberships, groups, networks led, networks joined, the lab's organisations); the two slugs
    # filtered on; count, page; joint producers, networks, agreed changes, definitions. The same for 5 releases as 30.
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/releases/?producer=nhs-england&network=urgent-and-emergency-care&status=confirmed")
    assert response.json()["count"] == count


def test_history_says_when_what_and_why_never_who(cast, anon):
    editor = client_for(cast.editor)
    created = editor.post("/api/v1/releases/", register_body("nhs-england", title="First title",
                                                              networks=["cancer"]), format="json").json()  # fmt: skip
    slug = created["slug"]
    editor.patch(f"/api/v1/releases/{slug}/", {"title": "Draft title", "reason": "Clearer"}, format="json", **if_match(1))
    editor.post(f"/api/v1/releases/{slug}/announce/", {}, format="json", **if_match(2))
    editor.post(f"/api/v1/releases/{slug}/cancel/", {"reason": "Merged into the annual release"}, format="json",
                **if_match(3))  # fmt: skip

    public = anon.get(f"/api/v1/releases/{slug}/history/").json()
    own = editor.get(f"/api/v1/releases/{slug}/history/").json()

    assert [e["reason"] for e in public] == ["Announced", "Cancelled: Merged into the annual release"]
    assert public[0]["changes"] == [{"field": "state", "old": "draft", "new": "provisional"}]
    assert {"field": "cancellation_reason", "old": "", "new": "Merged into the annual release"} in public[1]["changes"]
    assert [e["reason"] for e in own] == [
        "Registered", "Registered", "Clearer", "Announced", "Cancelled: Merged into the annual release"
    ]  # fmt: skip
    assert own[1]["changes"] == [{"field": "networks", "old": "", "new": "cancer"}]
    assert {"field": "title", "old": "First title", "new": "Draft title"} in own[2]["changes"]
    assert "editor" not in str(public) and "editor" not in str(own)
    assert set(public[0]) == {"changed_at", "change_type", "state", "reason", "changes"}


def test_pending_changes_are_for_the_producer_secretariat_and_osr(cast, anon):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    pending = DateChangeFactory(release=release, requested_by=cast.editor)
    agreed = DateChangeFactory(release=release, status=ChangeStatus.AGREED, decided_by=cast.hop, decided_at=NOW,
                               requested_by=cast.editor)  # fmt: skip

    def ids(client):
        return {c["id"] for c in client.get("/api/v1/date-changes/").json()["results"]}

    assert ids(anon) == ids(client_for(cast.other_editor)) == {agreed.pk}
    assert ids(client_for(cast.editor)) == ids(client_for(cast.osr)) == {agreed.pk, pending.pk}
    response = client_for(cast.hop).get(f"/api/v1/date-changes/{pending.pk}/")
    assert response["ETag"] == f'"{release.version}"' and response.json()["release_version"] == release.version
    assert anon.get(f"/api/v1/date-changes/{pending.pk}/").status_code == 404


def test_flags_are_for_signed_in_people(cast, anon):
    assert anon.get("/api/v1/flags/").status_code == 401
    assert client_for(cast.osr).get("/api/v1/flags/").status_code == 200


def test_pre_release_access_is_public_once_published(cast, anon):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    published = PublishedReleaseFactory(lead_producer=cast.producer)
    for r in (release, published):
        r.pre_release_access.create(recipient_role="Minister", organisation="DHSC", justification="Briefing",
                                    access_starts_at=r.release_at - timedelta(hours=2))  # fmt: skip
    assert anon.get(f"/api/v1/releases/{release.slug}/pre-release-access/").status_code == 404
    assert len(client_for(cast.editor).get(f"/api/v1/releases/{release.slug}/pre-release-access/").json()) == 1
    assert anon.get(f"/api/v1/releases/{published.slug}/pre-release-access/").json()[0]["organisation"] == "DHSC"


def test_reference_data(cast, anon):
    series = ReleaseSeriesFactory(producers=[cast.producer], slug="ae-monthly", title="A&E monthly")
    series.networks.set([cast.network])
    measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
    definition = Definition.objects.create(measure=measure, owner=cast.producer, text="Unplanned.", is_harmonised=True)

    assert [p["slug"] for p in anon.get("/api/v1/producers/").json()["results"]] == ["nhs-england", "ons"]
    assert anon.get("/api/v1/producers/ons/").json()["website"] == "https://www.gov.uk/"
    assert anon.get("/api/v1/series/?network=urgent-and-emergency-care").json()["results"][0]["standard_release_time"] == "09:30"
    assert anon.get("/api/v1/series/?is_active=maybe").status_code == 400
    assert anon.get("/api/v1/measures/emergency-admission/").json()["definitions"][0]["id"] == definition.pk
    assert anon.get("/api/v1/definitions/?is_harmonised=true&owner=nhs-england").json()["count"] == 1
    assert anon.get("/api/v1/networks/urgent-and-emergency-care/").json()["member_producers"] == ["nhs-england", "ons"]
    assert State.DRAFT not in {r["state"] for r in anon.get("/api/v1/releases/").json()["results"]}
