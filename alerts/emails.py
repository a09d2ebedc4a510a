"""The e-mails themselves: plain text and HTML from the same words, in the GOV.UK tone (plain, active, no "Dear").

Each kind of event becomes a ``Letter`` (subject, paragraphs, one link, a list for the look-ahead); one pair of
templates renders every letter. Every e-mail to a subscriber carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
(RFC 8058), so mail clients can offer one-click unsubscribe, and a stable ``Message-ID``: a resend after a crash (see
docs/decisions/0002-alert-delivery.md) has the same identity as the first attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from ehssg.site import absolute_url
from releases.choices import Designation
from releases.models import Release
from releases.schedule import Schedule, display_date, format_day

from . import tokens
from .choices import EventKind, Frequency
from .matching import upcoming_for
from .models import Delivery, Subscription

SERVICE = "Health statistics release calendar"


@dataclass
class Letter:
    subject: str
    paragraphs: list[str]
    link: tuple[str, str] | None = None
    items: list[dict[str, str]] = field(default_factory=list)
    sections: list[Letter] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    unsubscribe_url: str = ""


def _one_line(text: str) -> str:
    """Subjects are headers: whatever a title holds, a header gets one line (no header injection)."""
    return " ".join(str(text).split())[:200]


def describe_filter(subscription: Subscription) -> str:
    """The filter in words, for the confirmation e-mail and the footer: never shows anything but the filter."""
    parts: list[str] = []
    producers = [p.name for p in subscription.producers.all()]
    networks = [n.name for n in subscription.networks.all()]
    labels = dict(Designation.choices)
    designations = [str(labels.get(d, d)) for d in subscription.designations]
    if producers:
        parts.append("from " + ", ".join(producers))
    if networks:
        parts.append("in " + ", ".join(networks))
    if designations:
        parts.append("designated " + ", ".join(d.lower() for d in designations))
    if subscription.keywords:
        parts.append(f"matching “{subscription.keywords}”")
    return "releases " + "; ".join(parts) if parts else "all releases"


def _release_letter(kind: str, p: dict[str, Any]) -> Letter:
    title, producer = p["title"], p["producer"]
    view = ("View the release on the calendar", p["url"])
    if kind == EventKind.ANNOUNCED:
        return Letter(f"New release announced: {title}", [f"{producer} has announced {title}.",
                                                          f"Release date: {p['when']}"], view)  # fmt: skip
    if kind == EventKind.CONFIRMED:
        return Letter(f"Release date confirmed: {title}", [f"{producer} has confirmed the release date of {title}.",
                                                           f"Release date: {p['when']}"], view)  # fmt: skip
    if kind == EventKind.RESCHEDULED:
        return Letter(f"Release date changed: {title}", [f"{producer} has changed the release date of {title}.",
                      f"New release date: {p['when']}", f"Previous release date: {p['previous']}",
                      f"Reason for the change: {p['reason']}"], view)  # fmt: skip
    if kind == EventKind.CANCELLED:
        return Letter(f"Release cancelled: {title}", [f"{producer} has cancelled {title}.",
                                                      f"Reason: {p['reason']}"], view)  # fmt: skip
    return Letter(f"Statistics published: {title}", [f"{producer} has published {title}."],
                  ("Read the statistics", p["published_url"] or p["url"]))  # fmt: skip


def _subscriber_footer(subscription: Subscription, unsubscribe_url: str) -> list[str]:
    return [
        f"You’re getting this email because you asked for alerts about {describe_filter(subscription)} "
        f"from the {SERVICE}.",
        f"Unsubscribe: {unsubscribe_url}",
    ]


def _digest_items(subscription: Subscription, start: date) -> list[dict[str, str]]:
    """Releases due in the 2 weeks from ``start`` under any weekly filter of the address, soonest first, once each."""
    filters = Subscription.objects.filter(
        email=subscription.email, frequency=Frequency.WEEKLY, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).prefetch_related("producers", "networks")
    found: dict[int, Release] = {}
    for each in filters:
        found.update((r.pk, r) for r in upcoming_for(each, start=start, end=start + timedelta(days=13)))
    releases = sorted(found.values(), key=lambda r: (r.starts_on, r.release_at is None, r.release_at, r.title))
    return [
        {
            "title": r.title,
            "when": display_date(Schedule.of(r), r.state),
            "producer": r.lead_producer.name,
            "url": absolute_url(r.get_absolute_url()),
        }
        for r in releases
    ]


def letter_for(delivery: Delivery, companions: Sequence[Delivery] = ()) -> Letter | None:
    """The letter one delivery sends (with its companions: one e-mail for several release changes), or None when there
    is nothing to say (an empty look-ahead)."""
    event, p = delivery.event, delivery.event.payload
    subscription = delivery.subscription
    if event.kind == EventKind.CONFIRM_SUBSCRIPTION and subscription is not None:
        confirm = absolute_url(
            reverse("alerts:confirm", kwargs={"token": tokens.make_token(subscription, tokens.CONFIRM)})
        )
        return Letter(
            "Confirm your email alerts",
            [f"Confirm that you want email alerts from the {SERVICE} about {describe_filter(subscription)}.",
             "The link works for 7 days."],
            ("Confirm your email alerts", confirm),
            footer=["If you did not ask for these alerts, you can ignore this email. "
                    "We will not email you again unless you confirm."],
        )  # fmt: skip
    if event.kind == EventKind.DIGEST and subscription is not None:
        start = date.fromisoformat(p["start"])
        items = _digest_items(subscription, start)
        if not items:
            return None
        end = start + timedelta(days=13)
        letter = Letter(
            f"Health and social care statistics due from {format_day(start)} to {format_day(end)}",
            [f"{len(items)} release{'s' if len(items) != 1 else ''} due in the next 2 weeks."],
            ("See the full release calendar", absolute_url(reverse("calendar"))), items=items,
        )  # fmt: skip
    elif event.kind in (EventKind.ANNOUNCED, EventKind.CONFIRMED, EventKind.RESCHEDULED, EventKind.CANCELLED,
                        EventKind.PUBLISHED):  # fmt: skip
        letter = _release_letter(event.kind, p)
        if companions:
            sections = [letter, *(_release_letter(c.event.kind, c.event.payload) for c in companions)]
            count = len(sections)
            letter = Letter(f"{count} changes to health and social care statistics releases",
                            [f"{count} releases you get alerts about have changed."], sections=sections)  # fmt: skip
    else:  # a reminder to a producer: its words were written when the occasion arose
        return Letter(p["subject"], list(p["paragraphs"]), (p["link_text"], p["url"]),
                      footer=[p["footer"]])  # fmt: skip
    if subscription is not None:
        letter.unsubscribe_url = absolute_url(
            reverse("alerts:unsubscribe", kwargs={"token": tokens.make_token(subscription, tokens.UNSUBSCRIBE)})
        )
        letter.footer = _subscriber_footer(subscription, letter.unsubscribe_url)
    return letter


def build_message(delivery: Delivery, letter: Letter, connection: Any = None) -> EmailMultiAlternatives:
    """The e-mail of one delivery: text and HTML, with list headers for subscribers and the delivery's Message-ID."""
    context = {"letter": letter, "service": SERVICE}
    text = render_to_string("alerts/email/message.txt", context)
    html = render_to_string("alerts/email/message.html", context)
    headers = {"Message-ID": delivery.message_id, "Auto-Submitted": "auto-generated"}
    if letter.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=_one_line(letter.subject), body=text, to=[delivery.email], headers=headers, connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message
