"""The register form: joint producers by full name without one's own, the window or the exact date and time under a
GOV.UK conditional reveal (both sets present, only the chosen one checked), the lead statistician pre-filled."""

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from releases.choices import State
from releases.models import Release

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
URL = reverse("producer:release-create")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(cast, **overrides):
    data = {"title": "Cancer waiting times: April 2027", "lead_producer": cast.producer.pk, "designation": "official",
            "geography": "england", "lead_statistician_name": "Sam Analyst",
            "lead_statistician_email": "sam@example.org", "announce": "1"}  # fmt: skip
    data.update(overrides)
    return data


def body_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_joint_producers_by_full_name_without_ones_own(client, cast):
    client.force_login(cast.editor)

    body = body_of(client.get(URL))

    joint = body[body.index('name="joint_producers"') - 2000 : body.rindex('name="joint_producers"') + 500]
    labels = re.findall(r'<label class="govuk-label govuk-checkboxes__label" for="joint_producers[^"]*">\s*(.*?)\s*</label>',
                        joint, re.S)  # fmt: skip
    assert labels == ["Office for National Statistics"]  # not "ONS"; not NHS England, the editor's own


@pytest.mark.django_db
def test_lead_statistician_is_prefilled_from_the_signed_in_person(client, cast):
    cast.editor.first_name, cast.editor.last_name = "Priya", "Shah"
    cast.editor.save()
    client.force_login(cast.editor)

    body = body_of(client.get(URL))

    assert re.search(r'<input[^>]*name="lead_statistician_name"[^>]*value="Priya Shah"', body)
    assert re.search(r'<input[^>]*name="lead_statistician_email"[^>]*value="editor@example.org"', body)


@pytest.mark.django_db
def test_each_timing_reveals_its_own_fields(client, cast):
    client.force_login(cast.editor)

    body = body_of(client.get(URL))

    window = re.search(r'<div class="govuk-radios__conditional[^"]*" id="conditional-timing">(.*?)</div>\s*</div>\s*'
                       r'<div class="govuk-radios__item">', body, re.S)  # fmt: skip
    exact = body[body.index('id="conditional-timing-2"') :]
    assert window and 'name="window_start_month"' in window.group(1) and 'name="release_date_day"' not in window.group(1)
    assert 'name="release_date_day"' in exact and 'name="release_time"' in exact
    assert 'data-aria-controls="conditional-timing"' in body and 'data-aria-controls="conditional-timing-2"' in body


@pytest.mark.django_db
def test_only_the_chosen_timing_is_checked(client, cast):
    client.force_login(cast.editor)
    junk_exact = {"release_date_day": "31", "release_date_month": "2", "release_date_year": "x", "release_time": "25"}
    junk_window = {"window_start_month": "13", "window_start_year": "nope"}

    window = client.post(URL, form_data(cast, timing="window", window_start_month="5", window_start_year="2027",
                                        window_months="1", **junk_exact))  # fmt: skip
    exact = client.post(URL, form_data(cast, title="Cancer waiting times: May 2027", timing="exact",
                                       release_date_day="12", release_date_month="5", release_date_year="2027",
                                       release_time="9:30am", **junk_window))  # fmt: skip
    refused = client.post(URL, form_data(cast, title="Refused", timing="exact", **junk_window))

    assert (window.status_code, exact.status_code) == (302, 302)
    states = dict(Release.objects.values_list("title", "state"))
    assert states == {"Cancer waiting times: April 2027": State.PROVISIONAL,
                      "Cancer waiting times: May 2027": State.CONFIRMED}  # fmt: skip
    refused_body = body_of(refused)
    assert "Enter the release date" in refused_body and "First month of the window" not in refused_body.split(
        "There is a problem")[1].split("</ul>")[0]  # fmt: skip


@pytest.mark.django_db
def test_the_lead_producer_is_chosen_by_full_name(client, cast):
    client.force_login(cast.editor)

    body = body_of(client.get(URL))

    lead = body[body.index('name="lead_producer"') : body.index("</select>", body.index('name="lead_producer"'))]
    assert re.findall(r"<option[^>]*>\s*(.*?)\s*</option>", lead) == ["NHS England"]  # not "NHSE"
