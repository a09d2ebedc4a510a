"""What the lab's page tests share: each persona of the role matrix, requests put in a state, the page's text."""

from __future__ import annotations

import html
import re
from typing import Any

from django.urls import reverse

from datalab.choices import RequestState
from datalab.models import DataLabRequest
from releases.choices import ProducerRole
from tests.datalab.lab import LabCast, advance, draft
from tests.factories import ProducerFactory, UserFactory, give_role

PERSONAS = ("anonymous", "other_charity", "charity", "analyst", "other_analyst", "checker", "secretariat", "osr",
            "editor")  # fmt: skip
# A linkage summary as the lab's worker writes it (counts only), for requests put straight into a linked state.
LINKAGE = {
    "submitted": 2000, "linked": 1960, "link_rate": 0.98, "by_method": {"nhs_number": 1790, "fallback": 170},
    "not_linked": {"no_match": 30, "invalid_nhs_number": 10}, "ineligible": {}, "analysable": 1960,
    "extract": "synthetic", "sessions_recorded": 0,
}  # fmt: skip


def person(cast: LabCast, name: str) -> Any:
    """The user behind a persona (None for the anonymous public); a producer's editor is made on first use."""
    if name == "anonymous":
        return None
    if name == "editor":
        editor = UserFactory(username="producer_editor")
        give_role(editor, ProducerFactory(name="NHS England", abbreviation="NHSE", slug="nhs-england"),
                  ProducerRole.EDITOR)  # fmt: skip
        return editor
    return getattr(cast, name)


def sign_in(client: Any, user: Any) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def in_state(cast: LabCast, state: str, extract: Any = None) -> DataLabRequest:
    """A request in ``state``: through the services up to the upload; beyond it (test set-up only) moved straight
    there with a linkage summary, the team assigned, as the services and the worker would have left it."""
    request = draft(cast)
    usual = [RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED,
             RequestState.AGREEMENT_SIGNED, RequestState.AWAITING_UPLOAD]  # fmt: skip
    if state in usual:
        return advance(cast, request, state)
    if state == RequestState.NOT_FEASIBLE:  # turned down at the eligibility check: no team yet
        request = advance(cast, request, RequestState.SUBMITTED)
        from datalab import services

        services.request_refuse_eligibility(actor=cast.analyst, request=request, reason="Outcome not measured")
        request.refresh_from_db()
        return request
    advance(cast, request, RequestState.AWAITING_UPLOAD)
    DataLabRequest.objects.filter(pk=request.pk).update(state=state, linkage=LINKAGE)
    request.refresh_from_db()
    return request


def url_of(page: str, request: DataLabRequest | None = None) -> str:
    """A page by its short name: "requests", "request-edit", "step:withdraw" ..."""
    if page.startswith("step:"):
        assert request is not None
        return reverse("datalab:step", kwargs={"reference": request.reference, "step": page.partition(":")[2]})
    if request is None:
        return reverse(f"datalab:{page}")
    return reverse(f"datalab:{page}", kwargs={"reference": request.reference})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


_VARYING = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value=""'),
]


def without_per_request_tokens(body: bytes) -> bytes:
    """A page with its per-request random values (the CSP nonce, the sign-out form's CSRF token) blanked: they differ
    between any two responses and say nothing about what was asked for."""
    page = body.decode()
    for pattern, blank in _VARYING:
        page = pattern.sub(blank, page)
    return page.encode()
