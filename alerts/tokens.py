"""Links in e-mails: signed with the SECRET_KEY (HMAC-SHA256), so nothing secret is stored and nothing is guessable.

A token carries the subscription's random ``public_id`` (a UUID4, never shown elsewhere) under a salt per purpose,
so a confirmation link cannot be replayed as an unsubscribe link or the other way round. Confirmation links expire
after a week; unsubscribe links never do (an old e-mail must still let someone leave). Rotating SECRET_KEY keeps old
links working through SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from .models import Subscription

CONFIRM = "alerts.confirm"
UNSUBSCRIBE = "alerts.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
MAX_TOKEN_LENGTH = 200


def make_token(subscription: Subscription, purpose: str) -> str:
    return signing.dumps(subscription.public_id.hex, salt=purpose)


def read_token(token: str, purpose: str) -> Subscription | None:
    """The subscription a genuine, unexpired token names; None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        public_id = signing.loads(token, salt=purpose, max_age=CONFIRM_MAX_AGE if purpose == CONFIRM else None)
    except signing.BadSignature:
        return None
    if not isinstance(public_id, str) or len(public_id) != 32:
        return None
    return Subscription.objects.filter(public_id=public_id).first()
