"""Who sees and who edits which release: ``visible_to`` and ``editable_by`` for every role, and the roles behind them.

Drafts are private to the people of their lead and joint producers; everything announced is public, cancelled included.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from ehssg.roles import ANONYMOUS, forget_roles, roles_of
from releases.choices import ProducerRole
from releases.models import Producer, Release, ReleaseSeries
from releases.selectors import pre_release_access_visible, release_detail, releases_for_user
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    ProducerFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    ReleaseSeriesFactory,
    UserFactory,
    give_role,
)

ANNOUNCED = {"provisional", "confirmed", "published", "cancelled", "other provisional"}
OWN_DRAFTS = {"own draft", "joint draft"}
OTHER_DRAFTS = {"joint draft", "other draft"}


@dataclass
class Register:
    releases: dict[str, Release]
    people: dict[str, Any]

    def names(self, queryset) -> list[str]:
        by_pk = {release.pk: name for name, release in self.releases.items()}
        return sorted(by_pk[pk] for pk in queryset.values_list("pk", flat=True))


@pytest.fixture
def register(cast) -> Register:
    """NHSE (own) and ONS (other) with a draft each, an NHSE draft joint with ONS, and NHSE releases in every state."""
    stranger_producer = ProducerFactory(name="UK Health Security Agency", abbreviation="UKHSA", slug="ukhsa")
    stranger = UserFactory(username="stranger")
    give_role(stranger, stranger_producer, ProducerRole.EDITOR)
    own = {"lead_producer": cast.producer}
    releases = {
        "own draft": ReleaseFactory(**own),
        "joint draft": ReleaseFactory(**own, joint_producers=[cast.other_producer]),
        "other draft": ReleaseFactory(lead_producer=cast.other_producer),
        "provisional": ProvisionalReleaseFactory(**own),
        "confirmed": ConfirmedReleaseFactory(**own),
        "published": PublishedReleaseFactory(**own),
        "cancelled": CancelledReleaseFactory(**own),
        "other provisional": ProvisionalReleaseFactory(lead_producer=cast.other_producer),
    }
    people = {
        "anonymous": AnonymousUser(),
        "no one": None,
        "editor": cast.editor,
        "hop": cast.hop,
        "joint producer's editor": cast.other_editor,
        "joint producer's hop": cast.other_hop,
        "other producer's editor": stranger,
        "network lead": cast.lead,
        "network member": cast.member,
        "secretariat": cast.secretariat,
        "osr": cast.osr,
        "signed in, no role": UserFactory(username="nobody"),
    }
    return Register(releases, people)


VISIBLE = {
    "anonymous": ANNOUNCED,
    "no one": ANNOUNCED,
    "editor": ANNOUNCED | OWN_DRAFTS,
    "hop": ANNOUNCED | OWN_DRAFTS,
    "joint producer's editor": ANNOUNCED | OTHER_DRAFTS,
    "joint producer's hop": ANNOUNCED | OTHER_DRAFTS,
    "other producer's editor": ANNOUNCED,
    "network lead": ANNOUNCED,
    "network member": ANNOUNCED,
    "secretariat": ANNOUNCED,
    "osr": ANNOUNCED,
    "signed in, no role": ANNOUNCED,
}

EDITABLE = {
    "editor": {"own draft", "joint draft", "provisional", "confirmed", "published", "cancelled"},
    "hop": {"own draft", "joint draft", "provisional", "confirmed", "published", "cancelled"},
    "joint producer's editor": {"joint draft", "other draft", "other provisional"},
    "joint producer's hop": {"joint draft", "other draft", "other provisional"},
}


@pytest.mark.parametrize(("person", "expected"), VISIBLE.items(), ids=list(VISIBLE))
def test_visible_to(register, person, expected):
    visible = Release.objects.visible_to(register.people[person])

    assert register.names(visible) == sorted(expected)


@pytest.mark.parametrize("person", VISIBLE, ids=list(VISIBLE))
def test_editable_by(register, person):
    editable = Release.objects.editable_by(register.people[person])

    assert register.names(editable) == sorted(EDITABLE.get(person, set()))


@pytest.mark.parametrize("person", VISIBLE, ids=list(VISIBLE))
def test_release_detail_follows_visible_to(register, person):
    user = register.people[person]
    for name, release in register.releases.items():
        if name in VISIBLE[person]:
            assert release_detail(user, release.slug) == release
        else:
            with pytest.raises(Release.DoesNotExist):
                release_detail(user, release.slug)


def test_someone_of_both_producers_sees_a_joint_release_once(register, cast):
    give_role(cast.editor, cast.other_producer, ProducerRole.EDITOR)

    visible = Release.objects.visible_to(cast.editor)

    assert register.names(visible) == sorted(ANNOUNCED | OWN_DRAFTS | OTHER_DRAFTS)
    assert register.names(Release.objects.editable_by(cast.editor)) == sorted(
        EDITABLE["editor"] | EDITABLE["joint producer's editor"]
    )


def test_producers_and_series_editable_once_each(register, cast):
    shared = ReleaseSeriesFactory(title="Shared series", producers=[cast.producer, cast.other_producer])
    ReleaseSeriesFactory(title="ONS series", producers=[cast.other_producer])
    give_role(cast.editor, cast.other_producer, ProducerRole.EDITOR)

    assert list(Producer.objects.editable_by(cast.hop)) == [cast.producer]
    assert list(Producer.objects.editable_by(AnonymousUser())) == []
    assert list(ReleaseSeries.objects.editable_by(cast.hop)) == [shared]
    assert [s.title for s in ReleaseSeries.objects.editable_by(cast.editor)] == ["ONS series", "Shared series"]
    assert list(ReleaseSeries.objects.editable_by(cast.osr)) == []


def test_releases_for_user_lists_what_they_edit_newest_first(register, cast):
    listed = list(releases_for_user(cast.other_editor))

    assert [release.pk for release in listed] == [
        release.pk
        for release in sorted(
            (register.releases[name] for name in EDITABLE["joint producer's editor"]),
            key=lambda r: (-r.starts_on.toordinal(), r.title),
        )
    ]
    assert all(hasattr(release, "is_overdue") and hasattr(release, "is_postponed") for release in listed)


def test_visible_to_composes_with_other_filters(register, cast):
    drafts_i_see = Release.objects.filter(state="draft").visible_to(cast.other_editor)

    assert register.names(drafts_i_see) == sorted(OTHER_DRAFTS)


@pytest.mark.parametrize(
    ("person", "release", "expected"),
    [
        ("anonymous", "confirmed", False),
        ("osr", "confirmed", False),
        ("secretariat", "confirmed", False),
        ("other producer's editor", "confirmed", False),
        ("editor", "confirmed", True),
        ("joint producer's editor", "joint draft", True),
        ("anonymous", "published", True),
    ],
)
def test_pre_release_access_list_is_public_only_once_published(register, person, release, expected):
    assert pre_release_access_visible(register.releases[release], register.people[person]) is expected


# --- roles -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_anonymous_people_have_no_roles(user):
    assert roles_of(user) is ANONYMOUS
    assert not ANONYMOUS.authenticated
    assert ANONYMOUS.producer_ids == frozenset()


@pytest.mark.parametrize(
    ("person", "editor_of", "hop_of", "lead_of", "member_of", "secretariat", "osr"),
    [
        ("editor", {"producer"}, set(), set(), set(), False, False),
        ("hop", set(), {"producer"}, set(), set(), False, False),
        ("other_editor", {"other_producer"}, set(), set(), set(), False, False),
        ("other_hop", set(), {"other_producer"}, set(), set(), False, False),
        ("lead", set(), set(), {"network"}, set(), False, False),
        ("other_lead", set(), set(), {"other_network"}, set(), False, False),
        ("member", set(), set(), set(), {"network"}, False, False),
        ("secretariat", set(), set(), set(), set(), True, False),
        ("osr", set(), set(), set(), set(), False, True),
    ],
)
def test_roles_of_each_person(cast, person, editor_of, hop_of, lead_of, member_of, secretariat, osr):
    def pks(names):
        return frozenset(getattr(cast, name).pk for name in names)

    roles = roles_of(getattr(cast, person))

    assert roles.authenticated
    assert (roles.editor_of, roles.hop_of, roles.lead_of, roles.member_of) == (
        pks(editor_of),
        pks(hop_of),
        pks(lead_of),
        pks(member_of),
    )
    assert roles.producer_ids == pks(editor_of | hop_of)
    assert (roles.secretariat, roles.osr) == (secretariat, osr)
    assert roles.reads_everything_announced == (secretariat or osr)
    assert roles.is_hop_of(cast.producer.pk) == (person == "hop")
    assert roles.can_edit_producer(cast.producer.pk) == (person in ("editor", "hop"))


def test_roles_are_cached_until_forgotten(cast, django_assert_num_queries):
    roles_of(cast.lead)
    with django_assert_num_queries(0):
        roles_of(cast.lead)

    cast.lead.producer_memberships.create(producer=cast.producer, role=ProducerRole.EDITOR)
    assert roles_of(cast.lead).producer_ids == frozenset()
    forget_roles(cast.lead)
    assert roles_of(cast.lead).producer_ids == frozenset({cast.producer.pk})
