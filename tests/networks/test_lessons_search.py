"""The lessons search refuses what no database can search for with a clear form error, never a 500."""

from datetime import date

import pytest
from django.test import Client

from networks import messages
from networks.models import Lesson
from tests.factories import TopicNetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["a\x00b", "\x00", "dates \x00 clash"])
def test_a_nul_in_the_search_is_a_form_error_with_status_400(query):
    response = Client().get("/lessons/", {"q": query})

    assert response.status_code == 400
    page = response.content.decode()
    assert messages.SEARCH_NOT_TEXT in page and "govuk-error-summary" in page and 'href="#q"' in page
    assert "\x00" not in page


def test_a_normal_search_still_finds_lessons():
    network = TopicNetworkFactory()
    Lesson.objects.create(network=network, title="Agree dates early", text="It avoided clashes.", tags="dates",
                          recorded_on=date(2027, 1, 5), author=UserFactory())
    response = Client().get("/lessons/", {"q": "dates %"})
    assert response.status_code == 200 and "govuk-error-summary" not in response.content.decode()
    assert "Agree dates early" in Client().get("/lessons/", {"q": "agree"}).content.decode()
