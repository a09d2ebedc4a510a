"""Subscribing without an account: double opt-in, one-click unsubscribe, and hostile input refused with nothing stored."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from markupsafe import escape

from alerts import messages, tokens
from alerts.forms import KEYWORDS_RE, SubscribeForm
from alerts.models import Event, Subscription
from alerts.services import MAX_CONFIRMATIONS_PER_DAY
from tests.alerts.helpers import subscription

pytestmark = pytest.mark.django_db


def _post(client, django_capture_on_commit_callbacks, **data):
    form = {"email": "reader@example.org", "frequency": "immediate", **data}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("alerts:subscribe"), form)


def _link(message, name):
    return re.search(rf"http://127\.0\.0\.1:8000(/alerts/{name}/[^/\s]+/)", message.body).group(1)


def test_double_opt_in_then_one_click_unsubscribe(client, cast, django_capture_on_commit_callbacks):
    response = _post(client, django_capture_on_commit_callbacks, email=" Reader@Example.org ",
                     producer=["nhs-england"], network=["urgent-and-emergency-care"], q="A&E  attendances")  # fmt: skip

    assert response.status_code == 302 and response["Location"] == reverse("alerts:check-email")
    s = Subscription.objects.get()
    assert (s.email, s.keywords, s.confirmed_at) == ("reader@example.org", "A&E attendances", None)
    assert [p.slug for p in s.producers.all()] == ["nhs-england"]
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert message.subject == "Confirm your email alerts"
    assert "releases from NHS England; in Urgent and emergency care; matching “A&E attendances”" in message.body
    assert "List-Unsubscribe" not in message.extra_headers  # not subscribed yet: nothing to leave

    confirm = _link(message, "confirm")
    page = client.get(confirm)  # opening the link (or a mail scanner opening it) confirms nothing
    assert page.status_code == 200 and b"Confirm email alerts" in page.content
    s.refresh_from_db()
    assert s.confirmed_at is None
    done = client.post(confirm)
    assert messages.CONFIRMED.encode() in done.content
    s.refresh_from_db()
    assert s.confirmed_at is not None and s.is_active

    unsubscribe = reverse("alerts:unsubscribe", kwargs={"token": tokens.make_token(s, tokens.UNSUBSCRIBE)})
    assert client.get(unsubscribe).status_code == 200
    s.refresh_from_db()
    assert s.unsubscribed_at is None
    # RFC 8058: the mail client posts this body, with no cookie and no CSRF token.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    s.refresh_from_db()
    assert s.unsubscribed_at is not None
    # The old confirmation link cannot bring it back.
    assert client.post(confirm).status_code == 404


def test_unsubscribe_page_button_ends_every_alert_to_the_address(client, cast):
    first = subscription("reader@example.org")
    second = subscription("reader@example.org", producers=[cast.producer], frequency="weekly")
    other = subscription("someone@example.org")
    url = reverse("alerts:unsubscribe", kwargs={"token": tokens.make_token(second, tokens.UNSUBSCRIBE)})

    response = client.post(url)

    assert messages.UNSUBSCRIBED.encode() in response.content
    assert Subscription.objects.filter(pk__in=[first.pk, second.pk], unsubscribed_at__isnull=False).count() == 2
    other.refresh_from_db()
    assert other.is_active


@pytest.mark.parametrize("token", ["x", "a" * 300, "not-a-token:at:all", "..%2F..%2Fadmin", "1:2:3"])
def test_forged_or_mangled_tokens_change_nothing(client, token):
    s = subscription("reader@example.org", confirmed=False)
    for name in ("alerts:confirm", "alerts:unsubscribe"):
        url = reverse(name, kwargs={"token": token})
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
        assert messages.LINK_INVALID.encode() in response.content
    s.refresh_from_db()
    assert s.confirmed_at is None and s.unsubscribed_at is None


def test_a_confirm_link_is_not_an_unsubscribe_link_and_the_reverse(client):
    s = subscription("reader@example.org", confirmed=False)
    confirm = tokens.make_token(s, tokens.CONFIRM)
    unsubscribe = tokens.make_token(s, tokens.UNSUBSCRIBE)
    assert client.post(reverse("alerts:unsubscribe", kwargs={"token": confirm})).status_code == 404
    assert client.post(reverse("alerts:confirm", kwargs={"token": unsubscribe})).status_code == 404
    s.refresh_from_db()
    assert s.confirmed_at is None and s.unsubscribed_at is None


def test_subscribing_again_reveals_nothing_and_repeats_the_link_a_few_times_a_day_at_most(
    client, cast, django_capture_on_commit_callbacks
):
    for _ in range(MAX_CONFIRMATIONS_PER_DAY + 2):
        response = _post(client, django_capture_on_commit_callbacks)
        assert response.status_code == 302
    assert Subscription.objects.count() == 1
    assert len(mail.outbox) == MAX_CONFIRMATIONS_PER_DAY
    confirmed = subscription("known@example.org")
    mail.outbox.clear()
    response = _post(client, django_capture_on_commit_callbacks, email="known@example.org")
    assert response.status_code == 302  # the same answer as for a new address
    assert mail.outbox == [] and Subscription.objects.filter(email="known@example.org").get() == confirmed


HOSTILE = [
    ({"email": "reader@example.org\r\nBcc: everyone@example.org"}, "email", messages.EMAIL_INVALID),
    ({"email": "reader@example.org\nSubject: hi"}, "email", messages.EMAIL_INVALID),
    ({"email": "not an address"}, "email", messages.EMAIL_INVALID),
    ({"email": ""}, "email", messages.EMAIL_REQUIRED),
    ({"email": "a" * 250 + "@example.org"}, "email", messages.EMAIL_TOO_LONG),
    ({"q": "<script>alert(1)</script>"}, "q", messages.KEYWORDS_INVALID),
    ({"q": 'cancer "waiting"'}, "q", messages.KEYWORDS_INVALID),
    ({"q": "word " * 50}, "q", messages.KEYWORDS_TOO_LONG),
    ({"producer": ["no-such-producer"]}, "producer", messages.UNKNOWN_PRODUCER.format(value="“no-such-producer”")),
    ({"producer": ["<script>"]}, "producer", messages.UNKNOWN_PRODUCER.format(value="“<script>”")),
    ({"network": ["x" * 500]}, "network", messages.UNKNOWN_NETWORK.format(value=f"“{'x' * 60}”")),
    ({"designation": ["national"]}, "designation", messages.DESIGNATION_UNKNOWN),
    ({"frequency": "hourly"}, "frequency", messages.FREQUENCY_REQUIRED),
    ({"producer": [f"p{i}" for i in range(60)]}, "producer", messages.TOO_MANY_CHOICES.format(limit=50)),
]


@pytest.mark.parametrize(("data", "field", "message"), HOSTILE)
def test_bad_or_hostile_input_is_refused_with_a_clear_message_and_nothing_stored(
    client, cast, django_capture_on_commit_callbacks, data, field, message
):
    response = _post(client, django_capture_on_commit_callbacks, **data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'<a href="#{field}">{escape(message)}</a>' in html  # in the error summary, linked to the field
    assert html.count(str(escape(message))) == 2  # and next to the field
    assert "<script>alert" not in html and '<script>"' not in html
    assert Subscription.objects.count() == 0 and Event.objects.count() == 0 and mail.outbox == []


def test_the_calendar_filter_fills_the_form(client, cast):
    response = client.get(reverse("alerts:subscribe") + "?producer=ons&network=cancer&q=waiting+times&tab=upcoming")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="waiting times"' in html
    assert 'value="ons" checked' in html and 'value="cancer" checked' in html
    assert "There is a problem" not in html  # the missing address is not an error before anyone typed one


def test_the_calendar_links_to_alerts_with_its_filter(client, cast):
    response = client.get(
        reverse("calendar") + "?producer=nhs-england&q=A%26E+attendances&tab=upcoming&status=confirmed"
    )
    html = response.content.decode()
    assert 'href="/alerts/?producer=nhs-england&amp;q=A%26E+attendances">Get email alerts</a>' in html
    assert 'href="/alerts/">Get email alerts</a>' in client.get(reverse("calendar")).content.decode()


def test_the_forms_rate_limit_stops_the_subscribe_form_but_not_one_click_unsubscribes(client, cast, settings):
    """Mail providers post RFC 8058 unsubscribes for many people from few addresses: those must never get a 429."""
    settings.EHSSG_RATE_LIMITS = {**settings.EHSSG_RATE_LIMITS, "forms": "2/300"}
    people = [subscription(f"reader{i}@example.org") for i in range(5)]
    for s in people:
        url = reverse("alerts:unsubscribe", kwargs={"token": tokens.make_token(s, tokens.UNSUBSCRIBE)})
        assert client.post(url, {"List-Unsubscribe": "One-Click"}, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert Subscription.objects.filter(unsubscribed_at__isnull=True).count() == 0
    statuses = [client.post(reverse("alerts:subscribe"), {}, REMOTE_ADDR="203.0.113.9").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_a_confirmation_link_expires_after_seven_days(client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        s = subscription("reader@example.org", confirmed=False)
        url = reverse("alerts:confirm", kwargs={"token": tokens.make_token(s, tokens.CONFIRM)})
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        assert client.post(url).status_code == 404
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert client.post(url).status_code == 200
    s.refresh_from_db()
    assert s.confirmed_at is not None


def test_the_service_refuses_what_the_form_would(cast):
    from django.core.exceptions import ValidationError

    from alerts.services import subscription_subscribe

    for bad in ({"designations": ["national"]}, {"email": "not an address"}, {"keywords": "x" * 201}):
        with pytest.raises(ValidationError):
            subscription_subscribe(**{"email": "reader@example.org", **bad})
    assert Subscription.objects.count() == 0 and Event.objects.count() == 0


@hypothesis_settings(max_examples=60, deadline=None)
@given(email=st.text(max_size=300), q=st.text(max_size=250))
def test_any_text_is_either_refused_with_our_messages_or_clean(email, q):
    form = SubscribeForm({"email": email, "q": q, "frequency": "immediate"})
    valid = form.is_valid()
    ours = {messages.EMAIL_REQUIRED, messages.EMAIL_INVALID, messages.EMAIL_TOO_LONG, messages.KEYWORDS_INVALID,
            messages.KEYWORDS_TOO_LONG, "Null characters are not allowed."}  # fmt: skip
    assert {m for errors in form.errors.values() for m in errors} <= ours
    if valid:
        clean = form.cleaned_data
        assert clean["email"].isprintable() and "\n" not in clean["email"] and len(clean["email"]) <= 254
        assert KEYWORDS_RE.fullmatch(clean["q"]) and "<" not in clean["q"] and "\n" not in clean["q"]
