"""Every admin that only reads (records the services write) lists its rows and refuses add, change and delete."""

import pytest
from django.contrib import admin
from django.urls import reverse

from ehssg.admin import ReadOnlyMixin
from tests.factories import UserFactory

READ_ONLY = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, ReadOnlyMixin)
)


def test_the_read_only_admins_are_the_expected_ones():
    assert {"alerts", "progress", "releases"} <= {app for app, _ in READ_ONLY}
    assert ("alerts", "subscription") in READ_ONLY and ("progress", "progressreport") in READ_ONLY


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model"), READ_ONLY)
def test_lists_but_never_adds(client, app, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
