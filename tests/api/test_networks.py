"""The topic networks' API: who may write what (exact statuses), who reads drafts, versions, filters and bad input."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networks import services
from networks.choices import Goal, PlanStatus
from networks.models import ActionItem, ActionPlan, EngagementActivity, Lesson
from tests.api.conftest import client_for

ROLES = ["anonymous", "other_editor", "editor", "hop", "lead", "other_lead", "secretariat", "osr", "member"]


def expect(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


LEADS_CREATE = expect(401, 403, 403, 403, 201, 403, 201, 403, 403)
LEADS_WRITE = expect(401, 403, 403, 403, 200, 403, 200, 403, 403)
# A draft plan exists only for its network's members and leads, the secretariat and OSR.
LEADS_WRITE_DRAFT = expect(401, 404, 404, 404, 200, 404, 200, 403, 403)


@dataclass
class Call:
    method: str
    url: str
    body: Any = field(default_factory=dict)
    target: ActionPlan | ActionItem | None = None


def _plan(cast, *, publish: bool) -> ActionPlan:
    plan = services.plan_create(actor=cast.lead, network=cast.network, title="Urgent care plan 2027")
    services.item_create(actor=cast.lead, plan=plan, title="Align A&E releases", owner="NHSE team",
                         due_on=date(2027, 6, 30), goal=Goal.ALIGN_DATES)  # fmt: skip
    if publish:
        services.plan_publish(actor=cast.lead, plan=plan)
    return ActionPlan.objects.get(pk=plan.pk)


def _item(cast) -> ActionItem:
    return _plan(cast, publish=True).items.get()


def item_body(**overrides: Any) -> dict[str, Any]:
    body = {"title": "Align A&E releases", "owner": "UEC network", "due_on": "2027-09-30", "goal": "align_dates"}
    body.update(overrides)
    return body


CASES = {
    "plan_create": (lambda c: Call("post", "/api/v1/action-plans/", {"network": c.network.slug, "title": "Plan"}),
                    LEADS_CREATE),
    "plan_update": (lambda c: (p := _plan(c, publish=True)) and Call(
        "put", f"/api/v1/action-plans/{p.pk}/", {"title": "Plan 2027-28", "summary": "A year.", "reason": "Extended"}, p),
        LEADS_WRITE),
    "plan_partial_update": (lambda c: (p := _plan(c, publish=True)) and Call(
        "patch", f"/api/v1/action-plans/{p.pk}/", {"summary": "Shorter.", "reason": "Clearer"}, p), LEADS_WRITE),
    "plan_publish": (lambda c: (p := _plan(c, publish=False)) and Call(
        "post", f"/api/v1/action-plans/{p.pk}/publish/", {}, p), LEADS_WRITE_DRAFT),
    "item_create": (lambda c: (p := _plan(c, publish=True)) and Call(
        "post", "/api/v1/action-items/", item_body(plan=p.pk, title="Harmonise definitions")), LEADS_CREATE),
    "item_update": (lambda c: (i := _item(c)) and Call(
        "put", f"/api/v1/action-items/{i.pk}/", item_body(reason="New owner"), i), LEADS_WRITE),
    "item_partial_update": (lambda c: (i := _item(c)) and Call(
        "patch", f"/api/v1/action-items/{i.pk}/", {"owner": "UEC network", "reason": "New owner"}, i), LEADS_WRITE),
    "item_progress": (lambda c: (i := _item(c)) and Call(
        "post", f"/api/v1/action-items/{i.pk}/progress/",
        {"status": "in_progress", "rag": "amber", "note": "One release moved."}, i), LEADS_WRITE),
    "lesson_create": (lambda c: Call("post", "/api/v1/lessons/", {
        "network": c.network.slug, "title": "Agree dates early", "text": "It avoided clashes.", "tags": ["dates"]}),
        LEADS_CREATE),
    "activity_create": (lambda c: Call("post", "/api/v1/engagement-activities/", {
        "network": c.network.slug, "held_on": "2027-02-20", "kind": "event", "title": "User webinar",
        "people_reached": 45, "summary": "Users asked for one release day."}), LEADS_CREATE),
}  # fmt: skip

NETWORK_WRITES = {
    ("POST", "/api/v1/action-plans/"), ("PUT", "/api/v1/action-plans/{id}/"), ("PATCH", "/api/v1/action-plans/{id}/"),
    ("POST", "/api/v1/action-plans/{id}/publish/"), ("POST", "/api/v1/action-items/"),
    ("PUT", "/api/v1/action-items/{id}/"), ("PATCH", "/api/v1/action-items/{id}/"),
    ("POST", "/api/v1/action-items/{id}/progress/"), ("POST", "/api/v1/lessons/"),
    ("POST", "/api/v1/engagement-activities/"),
}  # fmt: skip


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (ActionPlan, ActionItem, Lesson, EngagementActivity)) + tuple(
        m.history.count() for m in (ActionPlan, ActionItem)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(CASES))
def test_permission_matrix(cast, endpoint, role):
    make, expected = CASES[endpoint]
    call = make(cast)
    user = None if role == "anonymous" else getattr(cast, role)
    headers = {"HTTP_IF_MATCH": f'"{call.target.version}"'} if call.target is not None else {}
    before = _counts()

    response = getattr(client_for(user), call.method)(call.url, call.body, format="json", **headers)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response.json()["errors"][0]["message"]
        assert _counts() == before
    else:
        assert _counts() != before
        if call.target is not None:
            assert call.target.history.latest().history_user == user


def test_matrix_lists_every_network_write():
    assert len(CASES) == len(NETWORK_WRITES)


@pytest.mark.django_db
def test_drafts_are_read_by_the_network_and_the_regulator_only(cast):
    draft = _plan(cast, publish=False)
    published = _plan(cast, publish=True)

    def listed(user):
        return {p["id"] for p in client_for(user).get("/api/v1/action-plans/").json()["results"]}

    assert listed(None) == {published.pk}
    assert listed(cast.other_lead) == {published.pk}
    assert listed(cast.member) == listed(cast.osr) == listed(cast.secretariat) == {draft.pk, published.pk}
    assert client_for(None).get(f"/api/v1/action-plans/{draft.pk}/").status_code == 404
    items = client_for(None).get("/api/v1/action-items/").json()["results"]
    assert [i["plan"] for i in items] == [published.pk]


@pytest.mark.django_db
def test_a_plan_reads_with_its_actions_progress_and_etag(cast):
    item = _item(cast)
    services.progress_update_add(actor=cast.lead, item=item, status="complete", rag="green", note="Both on Thursdays")

    response = client_for(None).get(f"/api/v1/action-plans/{item.plan_id}/")

    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["status"] == PlanStatus.PUBLISHED and body["network"] == "urgent-and-emergency-care"
    [shown] = body["items"]
    assert (shown["title"], shown["status"], shown["completed_on"], shown["is_overdue"]) == (
        "Align A&E releases", "complete", "2027-03-01", False)
    assert [u["note"] for u in shown["updates"]] == ["Both on Thursdays"]
    assert "author" not in shown["updates"][0]


@pytest.mark.django_db
def test_a_stale_version_changes_nothing(cast):
    item = _item(cast)
    lead = client_for(cast.lead)
    first = lead.patch(f"/api/v1/action-items/{item.pk}/", {"owner": "A", "reason": "r", "version": item.version},
                       format="json")  # fmt: skip
    stale = lead.patch(f"/api/v1/action-items/{item.pk}/", {"owner": "B", "reason": "r"}, format="json",
                       HTTP_IF_MATCH=f'"{item.version}"')  # fmt: skip
    missing = lead.post(f"/api/v1/action-items/{item.pk}/progress/",
                        {"status": "complete", "rag": "green", "note": "done"}, format="json")  # fmt: skip

    assert (first.status_code, stale.status_code, missing.status_code) == (200, 412, 428)
    assert first["ETag"] == f'"{item.version + 1}"'
    item.refresh_from_db()
    assert (item.owner, item.status, item.version) == ("A", "not_started", 2)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "body", "field", "message"), [
    ("/api/v1/lessons/", {"network": "no-such-network", "title": "t", "text": "x"}, "network", "does not exist"),
    ("/api/v1/lessons/", {"network": "urgent-and-emergency-care", "title": "  ", "text": "x"}, "title", "blank"),
    ("/api/v1/engagement-activities/", {"network": "urgent-and-emergency-care", "held_on": "2027-04-01",
     "kind": "event", "title": "t", "people_reached": 3, "summary": "s"}, "held_on",
     "Record an activity once it has happened: the date cannot be in the future"),
    ("/api/v1/engagement-activities/", {"network": "urgent-and-emergency-care", "held_on": "2027-02-01",
     "kind": "party", "title": "t", "people_reached": -1, "summary": "s"}, "kind", "not a valid choice"),
    ("/api/v1/action-items/", item_body(plan=999999), "plan", "Invalid pk"),
    ("/api/v1/action-items/", item_body(plan=None, due_on="2027-02-30"), "plan", "null"),
])  # fmt: skip
def test_bad_input_names_the_field_and_saves_nothing(cast, url, body, field, message):
    before = _counts()

    response = client_for(cast.lead).post(url, body, format="json")

    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert message in errors[field]
    assert _counts() == before


@pytest.mark.django_db
def test_lessons_and_activities_filter_like_the_pages(cast):
    services.lesson_record(actor=cast.lead, network=cast.network, title="Agree dates a quarter ahead",
                           text="Coordinating early avoided clashes.", tags="dates")  # fmt: skip
    services.lesson_record(actor=cast.other_lead, network=cast.other_network, title="Publish a glossary",
                           text="Users found definitions.", tags="definitions")  # fmt: skip
    services.activity_record(actor=cast.lead, network=cast.network, held_on=date(2027, 1, 10), kind="survey",
                             title="Survey", people_reached=120, summary="What users want.")  # fmt: skip
    anon = client_for(None)

    assert [x["title"] for x in anon.get("/api/v1/lessons/", {"q": "glossary"}).json()["results"]] == [
        "Publish a glossary"]
    assert anon.get("/api/v1/lessons/", {"network": "cancer"}).json()["results"][0]["tags"] == ["definitions"]
    assert anon.get("/api/v1/engagement-activities/", {"kind": "survey", "held_from": "2027-01-01"}).json()["count"] == 1
    assert anon.get("/api/v1/engagement-activities/", {"held_to": "2026-12-31"}).json()["count"] == 0
    bad = anon.get("/api/v1/lessons/", {"network": "nowhere"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "network"


@pytest.mark.django_db
def test_overdue_filter(cast):
    item = _item(cast)
    services.item_create(actor=cast.lead, plan=item.plan, title="Late one", owner="Team", due_on=date(2027, 1, 5),
                         goal=Goal.ENGAGEMENT)  # fmt: skip

    overdue = client_for(None).get("/api/v1/action-items/", {"overdue": "true"}).json()["results"]
    on_time = client_for(None).get("/api/v1/action-items/", {"overdue": "false"}).json()["results"]

    assert [(i["title"], i["is_overdue"]) for i in overdue] == [("Late one", True)]
    assert [i["title"] for i in on_time] == ["Align A&E releases"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/action-plans/", "/api/v1/action-items/"])
def test_list_query_count_does_not_grow(cast, url):
    member = client_for(cast.member)

    def queries_with(plans):
        for _ in range(plans):
            item = _item(cast)
            services.progress_update_add(actor=cast.lead, item=item, status="in_progress", rag="green", note="ok")
        with CaptureQueriesContext(connection) as queries:
            assert member.get(url).status_code == 200
        return len(queries)

    assert queries_with(1) == queries_with(6)


@pytest.mark.django_db
def test_publishing_through_the_api_supersedes_and_the_earlier_plan_stays_readable(cast):
    first = _plan(cast, publish=True)
    second = _plan(cast, publish=False)
    lead = client_for(cast.lead)

    response = lead.post(f"/api/v1/action-plans/{second.pk}/publish/", {"version": second.version}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "published"
    anonymous = client_for(None)
    earlier = anonymous.get(f"/api/v1/action-plans/{first.pk}/").json()
    assert (earlier["status"], earlier["superseded_by"]) == ("superseded", second.pk)
    assert earlier["superseded_at"] is not None and earlier["items"][0]["title"] == "Align A&E releases"
    listed = anonymous.get("/api/v1/action-plans/", {"status": "superseded"}).json()
    assert [p["id"] for p in listed["results"]] == [first.pk]
    items = anonymous.get("/api/v1/action-items/", {"plan": first.pk}).json()
    assert [i["plan"] for i in items["results"]] == [first.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("summary", [0, 1.5, True, ["a"]])
def test_a_number_where_text_is_expected_is_refused(cast, summary):
    """schemathesis found {"summary": 0} stored as "0": text fields take JSON strings only."""
    from ehssg.api.fields import NOT_TEXT

    response = client_for(cast.lead).post(
        "/api/v1/action-plans/", {"network": cast.network.slug, "title": "Plan", "summary": summary}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "summary"
    assert response.json()["errors"][0]["message"] in (NOT_TEXT, "Not a valid string.")
    assert not ActionPlan.objects.exists()


@pytest.mark.django_db
def test_a_current_plan_says_null_for_superseded_by_and_the_document_allows_it(cast, client):
    """schemathesis found the document promising an integer where a current plan answers null."""
    plan = _plan(cast, publish=True)

    body = client_for(None).get(f"/api/v1/action-plans/{plan.pk}/").json()
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert body["superseded_by"] is None and body["superseded_at"] is None
    assert schema["components"]["schemas"]["ActionPlan"]["properties"]["superseded_by"].get("nullable") is True
