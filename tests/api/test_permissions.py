"""Every write endpoint × every role, with the exact status.

401 for anonymous (no token: ``WWW-Authenticate: Token``), 404 where the object is invisible to the caller (another
producer's draft, a pending change or pre-release access list of another producer), 403 where it is visible but the
services refuse, and 2xx for the people the domain allows. A refused write changes nothing: the release's version and
history stay as they were.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from coordination.choices import FlagKind, FlagStatus
from coordination.models import Flag
from releases.choices import State
from releases.models import DateChange, PreReleaseAccess, Release
from tests.api.conftest import NOW, client_for, register_body
from tests.api.test_networks import NETWORK_WRITES
from tests.datalab.test_api_permissions import DATALAB_WRITES
from tests.factories import (
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    ReleaseFactory,
    london,
)

ROLES = ["anonymous", "other_editor", "editor", "hop", "lead", "other_lead", "secretariat", "osr"]


def expect(anonymous, other_editor, editor, hop, lead, other_lead, secretariat, osr) -> dict[str, int]:
    return dict(zip(ROLES, [anonymous, other_editor, editor, hop, lead, other_lead, secretariat, osr], strict=True))


# The shape of the answers, shared by most release writes.
EDITORS_ONLY = expect(401, 403, 200, 200, 403, 403, 403, 403)
EDITORS_CREATE = expect(401, 403, 201, 201, 403, 403, 403, 403)
OWN_DRAFT = expect(401, 404, 200, 200, 404, 404, 404, 404)
HOP_ONLY = expect(401, 403, 403, 200, 403, 403, 403, 403)
# Pending changes are visible to the producer's people, the secretariat and OSR only.
HOP_ONLY_PENDING = expect(401, 404, 403, 200, 404, 404, 403, 403)
EDITORS_PENDING = expect(401, 404, 200, 200, 404, 404, 403, 403)
ACCESS_LIST = expect(401, 404, 200, 200, 404, 404, 404, 404)
SETTLERS = expect(401, 403, 200, 200, 200, 403, 200, 403)


@dataclass
class Call:
    method: str
    url: str
    body: Any = field(default_factory=dict)
    release: Release | None = None


def _provisional(cast) -> Release:
    return ProvisionalReleaseFactory(lead_producer=cast.producer, networks=[cast.network])


def _confirmed(cast, **kwargs) -> Release:
    return ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network], **kwargs)


def _with_pending(cast) -> tuple[Release, DateChange]:
    release = _confirmed(cast)
    change = DateChangeFactory(release=release, requested_by=cast.editor)
    return release, change


def _flag(cast, kind: str) -> tuple[Flag, list[Release]]:
    """A flag about two of the own producer's releases in the network (so the other producer is not concerned)."""
    day = NOW.date() + timedelta(days=70)
    a = _confirmed(cast, release_at=london(day), title="Hospital admissions, April 2027")
    b = _confirmed(cast, release_at=london(day), title="Hospital admissions: April 2027")
    flag = Flag.objects.create(
        kind=kind,
        key=f"{kind}:test:{a.pk}:{b.pk}",
        network=cast.network,
        explanation="Two releases of the same statistics on one day.",
        facts={"releases": [a.pk, b.pk]},
        facts_hash="x" * 64,
        raised_at=NOW,
        last_seen_at=NOW,
    )
    flag.releases.set([a, b])
    return flag, [a, b]


def register(cast):
    return Call("post", "/api/v1/releases/", register_body(cast.producer.slug))


def bulk(cast):
    return Call("post", "/api/v1/releases/bulk/", [register_body(cast.producer.slug), register_body(cast.producer.slug)])


def import_govuk(cast):
    item = {
        "base_path": "/government/statistics/announcements/ae-attendances-april-2027",
        "title": "A&E attendances and emergency admissions: April 2027",
        "schema_name": "statistics_announcement",
        "details": {"display_date": "12 May 2027 9:30am", "state": "confirmed", "format_sub_type": "official"},
        "links": {"organisations": [{"base_path": f"/government/organisations/{cast.producer.slug}",
                                     "title": cast.producer.name}]},
    }  # fmt: skip
    return Call("post", "/api/v1/releases/import/", {"format": "govuk", "content": item})


def put(cast):
    r = _provisional(cast)
    body = register_body(cast.producer.slug, reason="Clearer title")
    del body["window_start"]
    return Call("put", f"/api/v1/releases/{r.slug}/", body, r)


def patch(cast):
    r = _provisional(cast)
    return Call("patch", f"/api/v1/releases/{r.slug}/", {"summary": "Shorter.", "reason": "Shorter summary"}, r)


def discard(cast):
    r = ReleaseFactory(lead_producer=cast.producer)
    return Call("delete", f"/api/v1/releases/{r.slug}/", None, r)


def announce(cast):
    r = ReleaseFactory(lead_producer=cast.producer)
    return Call("post", f"/api/v1/releases/{r.slug}/announce/", {}, r)


def confirm(cast):
    r = _provisional(cast)
    return Call("post", f"/api/v1/releases/{r.slug}/confirm/", {"release_at": london(r.starts_on.replace(day=12)).isoformat()}, r)


def request_change(cast):
    r = _confirmed(cast)
    later = r.release_at + timedelta(days=7)
    return Call("post", f"/api/v1/releases/{r.slug}/request-change/", {"release_at": later.isoformat(), "reason": "Supplier late"}, r)


def agree_change(cast):
    r, _change = _with_pending(cast)
    return Call("post", f"/api/v1/releases/{r.slug}/agree-change/", {}, r)


def cancel(cast):
    r = _provisional(cast)
    return Call("post", f"/api/v1/releases/{r.slug}/cancel/", {"reason": "The survey stopped."}, r)


def publish(cast):
    r = _confirmed(cast, release_at=london(NOW.date() - timedelta(days=1)))
    return Call("post", f"/api/v1/releases/{r.slug}/publish/", {"published_url": "https://www.gov.uk/stats/x"}, r)


def access_add(cast):
    r = _confirmed(cast)
    body = {
        "recipient_role": "Secretary of State",
        "organisation": "DHSC",
        "justification": "Briefing before a statement to Parliament.",
        "access_starts_at": (r.release_at - timedelta(hours=2)).isoformat(),
    }
    return Call("post", f"/api/v1/releases/{r.slug}/pre-release-access/", body, r)


def access_remove(cast):
    r = _confirmed(cast)
    entry = PreReleaseAccess.objects.create(
        release=r,
        recipient_role="Press officer",
        organisation="DHSC",
        justification="Prepare the press notice.",
        access_starts_at=r.release_at - timedelta(hours=2),
    )
    return Call("post", f"/api/v1/releases/{r.slug}/pre-release-access/{entry.pk}/remove/", {"reason": "Not needed"}, r)


def change_agree(cast):
    r, change = _with_pending(cast)
    return Call("post", f"/api/v1/date-changes/{change.pk}/agree/", {}, r)


def change_refuse(cast):
    r, change = _with_pending(cast)
    return Call("post", f"/api/v1/date-changes/{change.pk}/refuse/", {"note": "Keep the date."}, r)


def change_withdraw(cast):
    r, change = _with_pending(cast)
    return Call("post", f"/api/v1/date-changes/{change.pk}/withdraw/", {}, r)


def relate(cast):
    a, b = _confirmed(cast), _confirmed(cast)
    return Call("post", f"/api/v1/releases/{a.slug}/relate/", {"other": b.slug, "kind": "related"})


def flag_call(action: str, kind: str = FlagKind.CLASH, body: dict | None = None):
    def make(cast):
        flag, releases = _flag(cast, kind)
        payload = dict(body or {"reason": "Agreed with both teams."})
        if action == "confirm-duplicate":
            payload["withdraw"] = releases[1].slug
        return Call("post", f"/api/v1/flags/{flag.pk}/{action}/", payload)

    return make


CASES = {
    "register": (register, EDITORS_CREATE),
    "bulk": (bulk, EDITORS_CREATE),
    # Another producer's editor may import, but their record of this producer is refused in the answer's list.
    "import": (import_govuk, expect(401, 200, 200, 200, 403, 403, 200, 403)),
    "update": (put, EDITORS_ONLY),
    "partial_update": (patch, EDITORS_ONLY),
    "discard_draft": (discard, expect(401, 404, 204, 204, 404, 404, 404, 404)),
    "announce": (announce, OWN_DRAFT),
    "confirm": (confirm, EDITORS_ONLY),
    "request_change": (request_change, EDITORS_CREATE),
    "agree_change": (agree_change, HOP_ONLY),
    "cancel": (cancel, EDITORS_ONLY),
    "publish": (publish, EDITORS_ONLY),
    "pre_release_access_add": (access_add, EDITORS_CREATE),
    "pre_release_access_remove": (access_remove, ACCESS_LIST),
    "relate": (relate, SETTLERS),
    "date_change_agree": (change_agree, HOP_ONLY_PENDING),
    "date_change_refuse": (change_refuse, HOP_ONLY_PENDING),
    "date_change_withdraw": (change_withdraw, EDITORS_PENDING),
    "flag_acknowledge": (flag_call("acknowledge", body={"note": "Looking at it"}), SETTLERS),
    "flag_resolve": (flag_call("resolve"), SETTLERS),
    "flag_dismiss": (flag_call("dismiss"), SETTLERS),
    "flag_mark_coordinated": (flag_call("mark-coordinated"), SETTLERS),
    "flag_confirm_duplicate": (flag_call("confirm-duplicate", FlagKind.DUPLICATE), SETTLERS),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(CASES))
def test_permission_matrix(cast, endpoint, role):
    make, expected = CASES[endpoint]
    call = make(cast)
    user = None if role == "anonymous" else getattr(cast, role)
    headers = {"HTTP_IF_MATCH": f'"{call.release.version}"'} if call.release is not None else {}
    history_before = call.release.history.count() if call.release is not None else None

    response = getattr(client_for(user), call.method)(call.url, call.body, format="json", **headers)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        body = response.json()
        assert body["detail"] and body["errors"][0]["message"]
        if call.release is not None:
            after = Release.objects.get(pk=call.release.pk)
            assert after.version == call.release.version
            assert after.history.count() == history_before
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_every_write_endpoint_is_in_the_matrix(client):
    """A new write endpoint must join the matrix: compare with the OpenAPI document."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    writes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    covered = {
        ("POST", "/api/v1/releases/"), ("POST", "/api/v1/releases/bulk/"), ("PUT", "/api/v1/releases/{slug}/"),
        ("POST", "/api/v1/releases/import/"),
        ("PATCH", "/api/v1/releases/{slug}/"), ("DELETE", "/api/v1/releases/{slug}/"),
        ("POST", "/api/v1/releases/{slug}/announce/"), ("POST", "/api/v1/releases/{slug}/confirm/"),
        ("POST", "/api/v1/releases/{slug}/request-change/"), ("POST", "/api/v1/releases/{slug}/agree-change/"),
        ("POST", "/api/v1/releases/{slug}/cancel/"), ("POST", "/api/v1/releases/{slug}/publish/"),
        ("POST", "/api/v1/releases/{slug}/pre-release-access/"),
        ("POST", "/api/v1/releases/{slug}/pre-release-access/{entry_id}/remove/"),
        ("POST", "/api/v1/releases/{slug}/relate/"), ("POST", "/api/v1/date-changes/{id}/agree/"), ("POST", "/api/v1/date-changes/{id}/refuse/"),
        ("POST", "/api/v1/date-changes/{id}/withdraw/"), ("POST", "/api/v1/flags/{id}/acknowledge/"),
        ("POST", "/api/v1/flags/{id}/resolve/"), ("POST", "/api/v1/flags/{id}/dismiss/"),
        ("POST", "/api/v1/flags/{id}/mark-coordinated/"), ("POST", "/api/v1/flags/{id}/confirm-duplicate/"),
    }  # fmt: skip
    assert writes == covered | NETWORK_WRITES | DATALAB_WRITES  # the lab's matrix: tests/datalab/test_api_permissions.py
    assert len(CASES) == len(covered)


@pytest.mark.django_db
def test_a_settled_flag_records_who_and_why(cast):
    flag, _ = _flag(cast, FlagKind.CLASH)
    response = client_for(cast.lead).post(f"/api/v1/flags/{flag.pk}/dismiss/", {"reason": "Different audiences"}, format="json")
    assert response.status_code == 200
    flag.refresh_from_db()
    assert (flag.status, flag.settled_by, flag.settle_reason) == (FlagStatus.DISMISSED, cast.lead, "Different audiences")


@pytest.mark.django_db
def test_another_producers_draft_is_invisible_even_to_read(cast):
    draft = ReleaseFactory(lead_producer=cast.producer)
    assert client_for(cast.other_editor).get(f"/api/v1/releases/{draft.slug}/").status_code == 404
    assert client_for(cast.secretariat).get(f"/api/v1/releases/{draft.slug}/").status_code == 404
    assert client_for(cast.editor).get(f"/api/v1/releases/{draft.slug}/").status_code == 200
    assert Release.objects.get(pk=draft.pk).state == State.DRAFT
