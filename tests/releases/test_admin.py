"""The secretariat's admin: every page renders, edits go through the services with a reason, nothing announced deleted."""

import pytest
from django.contrib import admin
from django.urls import reverse

from releases.choices import State
from releases.models import Release
from tests.factories import ConfirmedReleaseFactory, DateChangeFactory, ReleaseFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, superuser, cast):
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_every_changelist_and_change_page_renders(staff_client, cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
    DateChangeFactory(release=release, requested_by=cast.editor)
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        instance = model._default_manager.first()
        if instance is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])
            assert staff_client.get(change).status_code == 200, change
            history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[instance.pk])
            assert staff_client.get(history).status_code == 200, history


@pytest.mark.django_db
def test_editing_a_release_goes_through_the_service_with_the_reason(staff_client, cast, superuser):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
    url = reverse("admin:releases_release_change", args=[release.pk])
    from tests.factories import give_role

    give_role(superuser, cast.producer)
    data = {
        "title": "Corrected title: April 2027", "summary": release.summary, "designation": release.designation,
        "geography": release.geography, "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam@example.org", "networks": [cast.network.pk],
        "change_reason": "Typo in the title reported by a user",
    }  # fmt: skip

    response = staff_client.post(url, data)

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.title == "Corrected title: April 2027"
    latest = release.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("Typo in the title reported by a user", superuser)


@pytest.mark.django_db
def test_the_reason_is_required(staff_client, cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    response = staff_client.post(reverse("admin:releases_release_change", args=[release.pk]),
                                 {"title": "x", "designation": "official", "geography": "england",
                                  "lead_statistician_name": "a", "lead_statistician_email": "a@example.org"})  # fmt: skip

    assert response.status_code == 200
    release.refresh_from_db()
    assert release.title != "x"


@pytest.mark.django_db
def test_announced_releases_cannot_be_deleted_or_added_in_the_admin(staff_client, cast):
    announced = ConfirmedReleaseFactory(lead_producer=cast.producer)
    draft = ReleaseFactory(lead_producer=cast.producer)

    assert staff_client.get(reverse("admin:releases_release_delete", args=[announced.pk])).status_code == 403
    assert staff_client.get(reverse("admin:releases_release_delete", args=[draft.pk])).status_code == 200
    assert staff_client.get(reverse("admin:releases_release_add")).status_code == 403
    assert Release.objects.filter(state=State.CONFIRMED).count() == 1
