"""Topic network pages: public reading, members seeing drafts, leads writing, bad input refused."""

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from networks import messages, services
from networks.choices import Goal
from networks.models import ActionItem, EngagementActivity, Lesson, ProgressUpdate

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def plans(cast):
    published = services.plan_create(actor=cast.lead, network=cast.network, title="Urgent care plan 2027")
    item = services.item_create(actor=cast.lead, plan=published, title="Align A&E releases", owner="NHSE team",
                                due_on=date(2027, 2, 1), goal=Goal.ALIGN_DATES)  # fmt: skip
    services.plan_publish(actor=cast.lead, plan=published)
    draft = services.plan_create(actor=cast.lead, network=cast.network, title="Draft plan 2028")
    return {"published": published, "draft": draft, "item": item}


@pytest.mark.django_db
def test_anyone_reads_the_list_and_the_published_plan(client, cast, plans):
    listing = text(client.get(reverse("networks:list")))
    page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    assert "Urgent and emergency care" in listing and "1 overdue" in listing
    assert "Align A&E releases" in page and "Overdue" in page
    assert "Draft plan 2028" not in page and "Add progress" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "sees_draft", "edits"), [
    ("member", True, False), ("osr", True, False), ("secretariat", True, True), ("lead", True, True),
    ("other_lead", False, False), ("editor", False, False),
])  # fmt: skip
def test_who_sees_drafts_and_who_edits(client, cast, plans, who, sees_draft, edits):
    client.force_login(getattr(cast, who))
    page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    assert ("Draft plan 2028" in page) is sees_draft
    assert ("Share a lesson" in page) is edits
    response = client.post(reverse("networks:lesson-create", kwargs={"slug": cast.network.slug}),
                           {"title": "Agree dates early", "text": "It avoided clashes."})  # fmt: skip
    assert response.status_code == (302 if edits else 403)
    assert Lesson.objects.count() == (1 if edits else 0)


@pytest.mark.django_db
def test_lead_records_progress_activity_and_publishes(client, cast, plans):
    client.force_login(cast.lead)
    client.post(reverse("networks:update-create", kwargs={"pk": plans["item"].pk}),
                {"status": "complete", "rag": "green", "note": "Both releases now on Thursdays"})  # fmt: skip
    client.post(reverse("networks:activity-create", kwargs={"slug": cast.network.slug}),
                {"title": "User webinar", "kind": "event", "held_on_day": "20", "held_on_month": "2",
                 "held_on_year": "2027", "people_reached": "45", "summary": "Users asked for one release day."})  # fmt: skip
    client.post(reverse("networks:item-create", kwargs={"pk": plans["draft"].pk}),
                {"title": "Harmonise definitions", "owner": "Definitions group", "due_on_day": "30",
                 "due_on_month": "9", "due_on_year": "2027", "goal": "harmonise"})  # fmt: skip
    client.post(reverse("networks:plan-publish", kwargs={"pk": plans["draft"].pk}), {"confirm": "yes"})

    item = ActionItem.objects.get(pk=plans["item"].pk)
    plans["draft"].refresh_from_db()
    assert item.status == "complete" and ProgressUpdate.objects.count() == 1
    assert EngagementActivity.objects.get().people_reached == 45
    assert plans["draft"].status == "published"
    plans["published"].refresh_from_db()
    assert plans["published"].status == "superseded" and plans["published"].superseded_by == plans["draft"]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "data", "message"), [
    ("networks:activity-create", {"title": "x", "kind": "event", "held_on_day": "1", "held_on_month": "4",
                                  "held_on_year": "2027", "people_reached": "10", "summary": "s"},
     "Record an activity once it has happened: the date cannot be in the future"),
    ("networks:activity-create", {"title": "x", "kind": "event", "held_on_day": "1", "held_on_month": "2",
                                  "held_on_year": "2027", "people_reached": "-3", "summary": "s"},
     "Enter the number of people reached, 0 or more"),
    ("networks:lesson-create", {"title": "", "text": ""}, "Enter a title"),
    ("networks:plan-create", {"title": ""}, "Enter a title"),
])  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message(client, cast, plans, url_name, data, message):
    client.force_login(cast.lead)
    before = (Lesson.objects.count(), EngagementActivity.objects.count())

    response = client.post(reverse(url_name, kwargs={"slug": cast.network.slug}), data)

    assert response.status_code == 200
    assert "There is a problem" in text(response) and message in text(response)
    assert (Lesson.objects.count(), EngagementActivity.objects.count()) == before


@pytest.mark.django_db
def test_lesson_search_page(client, cast):
    services.lesson_record(actor=cast.lead, network=cast.network, title="Agree dates a quarter ahead",
                           text="Coordinating early avoided clashes.", tags="dates")  # fmt: skip
    services.lesson_record(actor=cast.other_lead, network=cast.other_network, title="Publish a glossary",
                           text="Users found definitions.", tags="definitions")  # fmt: skip

    body = text(client.get(reverse("networks:lessons"), {"q": "glossary"}))

    assert "1 lesson matching “glossary”" in body
    assert "Publish a glossary" in body and "Agree dates" not in body


@pytest.mark.django_db
def test_lead_changes_a_published_plan_and_an_action_with_a_public_reason(client, cast, plans):
    client.force_login(cast.lead)
    plan, item = plans["published"], plans["item"]

    client.post(reverse("networks:plan-edit", kwargs={"pk": plan.pk}),
                {"title": "Urgent care plan 2027-28", "summary": "One year.", "reason": "Extended to March 2028"})  # fmt: skip
    client.post(reverse("networks:item-edit", kwargs={"pk": item.pk}),
                {"title": "Align A&E releases", "owner": "UEC network", "due_on_day": "30", "due_on_month": "6",
                 "due_on_year": "2027", "goal": "align_dates", "reason": "New owner after the reorganisation"})  # fmt: skip
    page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    plan.refresh_from_db()
    item.refresh_from_db()
    assert (plan.title, plan.summary, plan.version) == ("Urgent care plan 2027-28", "One year.", 3)
    assert (item.owner, item.due_on, item.version) == ("UEC network", date(2027, 6, 30), 2)
    assert "Extended to March 2028" in page and "New owner after the reorganisation" in page
    assert "Overdue" not in page  # due date moved past today


@pytest.mark.django_db
def test_a_change_without_a_reason_is_refused_and_nothing_saved(client, cast, plans):
    client.force_login(cast.lead)
    item = plans["item"]

    response = client.post(reverse("networks:item-edit", kwargs={"pk": item.pk}),
                           {"title": "Renamed", "owner": "Someone", "due_on_day": "30", "due_on_month": "6",
                            "due_on_year": "2027", "goal": "align_dates", "reason": ""})  # fmt: skip

    assert response.status_code == 200
    assert "There is a problem" in text(response) and "Enter the reason for the change" in text(response)
    item.refresh_from_db()
    assert (item.title, item.version, item.history.count()) == ("Align A&E releases", 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["networks:plan-create", "networks:lesson-create", "networks:activity-create"])
def test_anonymous_people_are_sent_to_sign_in_and_nothing_is_saved(client, cast, url_name):
    response = client.post(reverse(url_name, kwargs={"slug": cast.network.slug}), {"title": "x", "text": "y"})

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Lesson.objects.count() == 0


@pytest.mark.django_db
def test_the_edit_forms_show_what_is_there_now(client, cast, plans):
    client.force_login(cast.secretariat)

    body = text(client.get(reverse("networks:item-edit", kwargs={"pk": plans["item"].pk})))

    assert 'value="Align A&E releases"' in body and 'value="NHSE team"' in body
    assert 'id="due_on_month" name="due_on_month" type="text" value="2"' in body
    assert 'id="due_on_year" name="due_on_year" type="text" value="2027"' in body


@pytest.mark.django_db
def test_lesson_search_pages_keep_the_search_words(client, cast):
    for n in range(23):
        services.lesson_record(actor=cast.lead, network=cast.network, title=f"Dates lesson {n}", text="Agree dates early.")

    first = text(client.get(reverse("networks:lessons"), {"q": "dates"}))
    second = text(client.get(reverse("networks:lessons"), {"q": "dates", "page": "2"}))

    assert "23 lessons matching “dates”" in first
    assert "?q=dates&page=2" in first
    assert second.count("Dates lesson") == 3


@pytest.mark.django_db
def test_leads_are_shown_by_name(client, cast):
    cast.lead.first_name, cast.lead.last_name = "Priya", "Shah"
    cast.lead.save()

    assert "Priya Shah" in text(client.get(reverse("networks:list")))
    assert "Priya Shah" in text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))


@pytest.mark.django_db
def test_the_network_page_says_when_each_upcoming_release_is_due(client, cast):
    from tests.factories import ConfirmedReleaseFactory, ProvisionalReleaseFactory, london

    ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network], title="A&E attendances, March 2027",
                            release_at=london(date(2027, 4, 8)))  # fmt: skip
    ProvisionalReleaseFactory(lead_producer=cast.producer, networks=[cast.network], title="Ambulance quality, 2026-27",
                              starts_on=date(2027, 6, 1), ends_on=date(2027, 6, 30))  # fmt: skip

    page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    assert "8 April 2027 9:30am (confirmed)" in page
    assert "June 2027 (provisional)" in page


def _publish_next_plan(client, cast, plans):
    """The lead adds progress to the current plan, then publishes the draft through the confirm page."""
    client.force_login(cast.lead)
    client.post(reverse("networks:update-create", kwargs={"pk": plans["item"].pk}),
                {"status": "in_progress", "rag": "amber", "note": "Ambulance release moved to Thursdays"})  # fmt: skip
    client.post(reverse("networks:item-create", kwargs={"pk": plans["draft"].pk}),
                {"title": "Harmonise definitions", "owner": "Definitions group", "due_on_day": "30",
                 "due_on_month": "9", "due_on_year": "2027", "goal": "harmonise"})  # fmt: skip
    return client.post(reverse("networks:plan-publish", kwargs={"pk": plans["draft"].pk}), {"confirm": "yes"})


@pytest.mark.django_db
def test_publishing_asks_first_and_says_the_current_plan_will_be_superseded(client, cast, plans):
    client.force_login(cast.lead)
    services.item_create(actor=cast.lead, plan=plans["draft"], title="Harmonise definitions", owner="Group",
                         due_on=date(2027, 9, 30), goal=Goal.HARMONISE)  # fmt: skip
    address = reverse("networks:plan-publish", kwargs={"pk": plans["draft"].pk})
    network_page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    confirm_page = text(client.get(address))
    unconfirmed = client.post(address, {})

    assert f'href="{address}"' in network_page  # the button leads to the confirm page, no form posts straight away
    assert "Publish Draft plan 2028?" in confirm_page
    assert "The current plan Urgent care plan 2027 will be marked superseded." in confirm_page
    assert 'name="confirm"' in confirm_page and 'value="yes"' in confirm_page
    assert unconfirmed.status_code == 200 and messages.PUBLISH_NOT_CONFIRMED in text(unconfirmed)
    plans["draft"].refresh_from_db()
    assert plans["draft"].status == "draft" and plans["draft"].published_at is None

    done = client.post(address, {"confirm": "yes"})

    assert done.status_code == 302
    plans["draft"].refresh_from_db()
    plans["published"].refresh_from_db()
    assert (plans["draft"].status, plans["published"].status) == ("published", "superseded")
    last = plans["published"].history.first()
    assert last.history_user == cast.lead and last.history_change_reason == "Superseded by Draft plan 2028"


@pytest.mark.django_db
def test_only_leads_reach_the_confirm_page(client, cast, plans):
    address = reverse("networks:plan-publish", kwargs={"pk": plans["draft"].pk})
    client.force_login(cast.member)

    assert client.get(address).status_code == 403
    assert client.post(address, {"confirm": "yes"}).status_code == 403
    plans["draft"].refresh_from_db()
    assert plans["draft"].status == "draft"


@pytest.mark.django_db
def test_an_earlier_plan_stays_reachable_with_its_progress(client, cast, plans):
    _publish_next_plan(client, cast, plans)
    client.logout()
    old = plans["published"]

    network_page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))
    plan_page = text(client.get(reverse("networks:plan", kwargs={"slug": cast.network.slug, "pk": old.pk})))

    assert "Earlier plans" in network_page
    assert f'href="/networks/{cast.network.slug}/plans/{old.pk}/"' in network_page
    assert "Urgent care plan 2027</a>: published 1 March 2027 10am, superseded 1 March 2027 10am by Draft plan 2028" in network_page
    assert "Align A&E releases" in plan_page and "Ambulance release moved to Thursdays" in plan_page
    assert "superseded on 1 March 2027 10am by Draft plan 2028" in plan_page
    # A draft has no public page; another network's slug does not reach the plan either.
    assert client.get(reverse("networks:plan", kwargs={"slug": cast.network.slug, "pk": plans["draft"].pk + 1})
                      ).status_code == 404  # fmt: skip
    assert client.get(reverse("networks:plan", kwargs={"slug": cast.other_network.slug, "pk": old.pk})
                      ).status_code == 404  # fmt: skip


@pytest.mark.django_db
def test_a_draft_plan_page_is_only_for_the_networks_people(client, cast, plans):
    address = reverse("networks:plan", kwargs={"slug": cast.network.slug, "pk": plans["draft"].pk})

    assert client.get(address).status_code == 404
    client.force_login(cast.member)
    assert "only the network, the EHSSG secretariat and OSR can see it" in text(client.get(address))


def _counts(page, marker):
    """The counts line that follows ``marker`` on a page."""
    after = page.split(marker, 1)[1]
    return re.search(r"(\d+ complete, \d+ in progress, \d+ not started, \d+ blocked[^<]*(?:<strong>[^<]*</strong>)?)",
                     after).group(1).strip()  # fmt: skip


@pytest.mark.django_db
def test_the_list_counts_equal_the_network_pages(client, cast, plans):
    _publish_next_plan(client, cast, plans)
    client.logout()

    listing = text(client.get(reverse("networks:list")))
    page = text(client.get(reverse("networks:detail", kwargs={"slug": cast.network.slug})))

    # Only the current plan's one action counts, not last year's (in progress, overdue) one.
    expected = "0 complete, 0 in progress, 1 not started, 0 blocked"
    assert _counts(listing, ">Urgent and emergency care</a>") == expected
    assert _counts(page, 'id="plan-counts"') == expected
