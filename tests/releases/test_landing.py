"""People land where their work is (after signing in and on /), the header links to what each role can do and
nothing it cannot, and no role is offered a form it can never submit."""

import html
import re

import pytest
from django.urls import reverse

from datalab.models import Organisation
from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP
from releases import messages
from tests.factories import UserFactory, add_to_group

PASSWORD = "correct horse battery staple"
NEEDS_AGREEMENT = "/producer/releases/?needs=pending_change"


def nav_links(client, path: str = "/calendar/") -> dict[str, str]:
    body = client.get(path).content.decode()
    nav = body[body.index('<nav aria-label="Menu"') : body.index("</nav>", body.index('<nav aria-label="Menu"'))]
    links = re.findall(r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>\s*(.*?)\s*</a>', nav, re.S)
    return {re.sub(r"<[^>]+>", "", text).strip(): html.unescape(href) for href, text in links}


def roles(cast):
    nobody = UserFactory(username="nobody")
    charity = UserFactory(username="charity")
    Organisation.objects.create(name="Hartley Befriending Trust", slug="hartley").members.add(charity)
    analyst = UserFactory(username="analyst")
    add_to_group(analyst, LAB_ANALYST_GROUP)
    checker = UserFactory(username="checker")
    add_to_group(checker, OUTPUT_CHECKER_GROUP)
    return {
        "editor": (cast.editor, "/producer/releases/"),
        "hop": (cast.hop, NEEDS_AGREEMENT),
        "lead": (cast.lead, "/networks/urgent-and-emergency-care/"),
        "secretariat": (cast.secretariat, "/osr/"),
        "osr": (cast.osr, "/osr/"),
        "charity": (charity, "/data-lab/requests/"),
        "analyst": (analyst, "/data-lab/requests/"),
        "checker": (checker, "/data-lab/requests/"),
        "no role": (nobody, "/"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "hop", "lead", "secretariat", "osr", "charity", "analyst", "checker",
                                  "no role"])
def test_signing_in_lands_where_the_work_is(client, cast, role):
    user, landing = roles(cast)[role]
    user.set_password(PASSWORD)
    user.save()

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, landing)
    home = client.get("/")
    if role == "no role":
        assert home.status_code == 200  # the home page itself: nowhere else to go
    else:
        assert (home.status_code, home["Location"]) == (302, landing)


@pytest.mark.django_db
def test_signing_in_still_goes_to_the_page_asked_for(client, cast):
    cast.osr.set_password(PASSWORD)
    cast.osr.save()

    response = client.post(reverse("login") + "?next=/flags/", {"username": "osr", "password": PASSWORD})

    assert response["Location"] == "/flags/"


@pytest.mark.django_db
def test_the_header_links_to_what_each_role_can_do(client, cast):
    expected = {
        "editor": {"Release calendar", "Topic networks", "Your releases", "Flags"},
        "hop": {"Release calendar", "Topic networks", "Your releases", "Flags", "Progress"},
        "lead": {"Release calendar", "Topic networks", "Your network", "Flags", "Progress"},
        "secretariat": {"Release calendar", "Topic networks", "Flags", "Progress", "Data Lab"},
        "osr": {"Release calendar", "Topic networks", "Flags", "Progress"},
        "charity": {"Release calendar", "Topic networks", "Data Lab"},
        "analyst": {"Release calendar", "Topic networks", "Data Lab"},
        "checker": {"Release calendar", "Topic networks", "Data Lab"},
        "no role": {"Home", "Release calendar", "Topic networks"},
    }
    seen = {}
    for role, (user, _landing) in roles(cast).items():
        client.force_login(user)
        links = nav_links(client)
        seen[role] = set(links)
        for text, href in links.items():  # every link opens for this person
            assert client.get(href).status_code == 200, (role, text, href)
    client.logout()
    seen["anonymous"] = set(nav_links(client))

    assert seen == {**expected, "anonymous": {"Home", "Release calendar", "Topic networks"}}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["producer:release-list", "producer:release-create"])
def test_no_producer_role_gets_a_clear_page_not_a_form(client, cast, name):
    client.force_login(cast.osr)

    response = client.get(reverse(name))

    body = html.unescape(response.content.decode())
    assert response.status_code == 403
    assert f'<h1 class="govuk-heading-l">{messages.CANNOT_REGISTER}</h1>' in body
    assert messages.CANNOT_REGISTER_WHY in body
    assert "<form method=\"post\" novalidate>" not in body and "Register a release" not in body
