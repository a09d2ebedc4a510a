"""Sign-in protection: lockout after repeated failures (django-axes), no user enumeration, the cool-off."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ehssg import messages

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def error_text(response) -> str:
    body = response.content.decode()
    start = body.index('<div class="govuk-error-summary"')
    return body[start : body.index("</div>", body.index("</ul>", start))]


def test_a_wrong_password_and_an_unknown_user_read_the_same(client, cast):
    wrong = sign_in(client, cast.editor.username, "not the password")
    unknown = sign_in(client, "nobody-by-this-name", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert messages.SIGN_IN_FAILED in wrong.content.decode()
    assert error_text(wrong) == error_text(unknown)


def test_five_failures_lock_even_the_right_password_until_the_cool_off(client, cast, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            assert sign_in(client, cast.editor.username, "guess").status_code == 200
        locked = sign_in(client, cast.editor.username, "guess")  # the fifth failure locks
        assert locked.status_code == 429
        expected = messages.SIGN_IN_LOCKED.format(minutes=15)
        assert expected in locked.content.decode()
        assert locked["Retry-After"] == "900"

        refused = sign_in(client, cast.editor.username, PASSWORD)
        assert refused.status_code == 429 and "_auth_user_id" not in client.session
        traveller.shift(timedelta(minutes=14))
        assert sign_in(client, cast.editor.username, PASSWORD).status_code == 429

        # Each attempt while locked out counts from now: 15 minutes after the last one, the right password works.
        traveller.shift(timedelta(minutes=15, seconds=1))
        response = sign_in(client, cast.editor.username, PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(cast.editor.pk)


def test_the_lockout_says_the_same_for_an_unknown_username(client, cast):
    for username in (cast.editor.username, "nobody-by-this-name"):
        for _ in range(5):
            response = sign_in(client, username, "guess")
        assert response.status_code == 429
        assert messages.SIGN_IN_LOCKED.format(minutes=15) in response.content.decode()
        assert username not in response.content.decode()


def test_a_lockout_holds_one_username_from_one_address(client, cast):
    for _ in range(5):
        sign_in(client, cast.editor.username, "guess", address="203.0.113.7")
    assert sign_in(client, cast.editor.username, PASSWORD, address="203.0.113.7").status_code == 429
    # The real person elsewhere is not locked out by someone guessing their password.
    assert sign_in(client, cast.editor.username, PASSWORD, address="198.51.100.20").status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, cast):
    for _ in range(4):
        sign_in(client, cast.editor.username, "guess")
    assert sign_in(client, cast.editor.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, cast.editor.username, "guess").status_code == 200


def test_the_admin_sign_in_locks_too(client, cast):
    for _ in range(5):
        response = client.post(reverse("admin:login"), {"username": "root", "password": "guess"},
                               REMOTE_ADDR="203.0.113.9")  # fmt: skip
    assert response.status_code == 429
