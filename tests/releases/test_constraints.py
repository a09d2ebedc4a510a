"""The database refuses impossible rows on its own, whatever a buggy service or a raw update writes.

Each case starts from a valid row made by a factory, then writes the impossible values straight to the table with
``QuerySet.update()`` (no ``full_clean()``, no service) and expects the named constraint to fire. The same values are
also refused by ``validate_constraints()``, so forms and services report them as validation errors.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from releases.choices import ChangeStatus, Precision, ProducerRole, State
from releases.models import DateChange, PreReleaseAccess, Producer, ProducerMembership, Release, ReleaseSeries
from releases.schedule import LONDON
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProducerFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    ReleaseSeriesFactory,
    UserFactory,
    give_role,
)

RELEASE_AT = datetime(2027, 1, 20, 9, 30, tzinfo=LONDON)
CORE_MODELS = (Producer, ProducerMembership, ReleaseSeries, Release, DateChange, PreReleaseAccess)


def approved_series():
    return ReleaseSeriesFactory(
        alternative_release_time=time(16), alternative_time_approved_on=date(2025, 3, 1), alternative_time_reference="X"
    )


def prerelease_entry():
    return PreReleaseAccess.objects.create(
        release=ConfirmedReleaseFactory(),
        recipient_role="Private secretary",
        organisation="Department of Health and Social Care",
        justification="To brief the Secretary of State.",
        access_starts_at=RELEASE_AT - timedelta(hours=23),
    )


# (constraint name, how to make a valid row, the impossible values written over it)
CHECK_CASES = [
    ("release_confirmed_is_exact", ConfirmedReleaseFactory, {"precision": Precision.MONTH, "release_at": None}),
    ("release_confirmed_is_exact", PublishedReleaseFactory, {"precision": Precision.TWO_MONTHS, "release_at": None}),
    ("release_exact_has_time", ReleaseFactory, {"precision": Precision.EXACT, "release_at": None}),
    ("release_window_has_no_time", ProvisionalReleaseFactory, {"release_at": RELEASE_AT}),
    ("release_window_ordered", ReleaseFactory, {"starts_on": date(2027, 1, 31), "ends_on": date(2027, 1, 1)}),
    ("release_cancelled_has_reason", CancelledReleaseFactory, {"cancellation_reason": ""}),
    ("release_cancelled_has_reason", CancelledReleaseFactory, {"cancelled_at": None}),
    ("release_published_has_url", PublishedReleaseFactory, {"published_url": ""}),
    ("release_published_has_url", PublishedReleaseFactory, {"published_at": None}),
    ("release_announced_has_time", ProvisionalReleaseFactory, {"announced_at": None}),
    ("release_announced_has_time", ConfirmedReleaseFactory, {"announced_at": None}),
    (
        "release_reference_period_ordered",
        ReleaseFactory,
        {"reference_period_start": date(2026, 12, 31), "reference_period_end": date(2026, 12, 1)},
    ),
    ("release_withdrawn_is_cancelled", ProvisionalReleaseFactory, {"withdrawn_in_favour_of": ReleaseFactory}),
    ("releaseseries_alternative_time_approved", ReleaseSeriesFactory, {"alternative_release_time": time(16)}),
    ("releaseseries_alternative_time_approved", approved_series, {"alternative_time_approved_on": None}),
    ("releaseseries_alternative_time_approved", approved_series, {"alternative_time_reference": ""}),
    ("datechange_has_reason", DateChangeFactory, {"reason": ""}),
    ("datechange_decided_has_time", DateChangeFactory, {"status": ChangeStatus.REJECTED}),
    ("datechange_decided_has_time", DateChangeFactory, {"status": ChangeStatus.WITHDRAWN}),
    (
        "datechange_agreed_has_hop",
        DateChangeFactory,
        {"status": ChangeStatus.AGREED, "decided_at": RELEASE_AT - timedelta(days=30)},
    ),
    ("prerelease_has_justification", prerelease_entry, {"justification": ""}),
]


def _resolve(values: dict) -> dict:
    """Values that name a factory become a fresh row of it."""
    return {name: value() if isinstance(value, type) else value for name, value in values.items()}


def _reload(row: models.Model) -> dict:
    return type(row).objects.filter(pk=row.pk).values().get()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make", "values"), CHECK_CASES, ids=[f"{case[0]}-{'-'.join(case[2])}" for case in CHECK_CASES]
)
def test_check_constraint_refuses_impossible_row(name, make, values):
    row = make()
    values = _resolve(values)
    before = _reload(row)

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**values)

    assert name in str(refused.value)
    assert _reload(row) == before

    for field, value in values.items():
        setattr(row, field, value)
    with pytest.raises(ValidationError) as invalid:
        row.validate_constraints()
    assert name in str(invalid.value)


VALID_MAKERS = list(dict.fromkeys(case[1] for case in CHECK_CASES))


@pytest.mark.django_db
@pytest.mark.parametrize("make", VALID_MAKERS, ids=[make.__name__ for make in VALID_MAKERS])
def test_the_valid_rows_pass(make):
    row = make()

    row.validate_constraints()
    row.full_clean()


def test_every_check_constraint_of_the_register_is_exercised():
    declared = {
        constraint.name
        for model in CORE_MODELS
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    }

    assert declared == {case[0] for case in CHECK_CASES}


def _unique_error_names(error: IntegrityError, name: str, table_columns: str) -> bool:
    # PostgreSQL names the constraint; SQLite names the columns instead.
    text = str(error)
    return name in text if connection.vendor == "postgresql" else table_columns in text


@pytest.mark.django_db
def test_one_pending_change_per_release():
    change = DateChangeFactory()

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        DateChangeFactory(release=change.release, reason="A second request.")

    assert _unique_error_names(refused.value, "datechange_one_pending_per_release", "releases_datechange.release_id")
    assert DateChange.objects.filter(release=change.release).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("decided", [ChangeStatus.AGREED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN])
def test_decided_changes_do_not_count_against_the_pending_one(decided):
    hop = UserFactory()
    first = DateChangeFactory(status=decided, decided_by=hop, decided_at=RELEASE_AT - timedelta(days=30))

    DateChangeFactory(release=first.release, reason="Asked again.")

    assert first.release.date_changes.count() == 2


@pytest.mark.django_db
def test_a_person_holds_a_role_at_a_producer_once():
    user, producer = UserFactory(), ProducerFactory()
    give_role(user, producer, ProducerRole.HOP)

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        ProducerMembership.objects.create(user=user, producer=producer, role=ProducerRole.HOP)

    assert _unique_error_names(refused.value, "producermembership_unique_role", "releases_producermembership.user_id")
    give_role(user, producer, ProducerRole.EDITOR)
    assert ProducerMembership.objects.filter(user=user, producer=producer).count() == 2


@pytest.mark.django_db
def test_a_withdrawn_release_may_point_to_its_replacement():
    replacement = ConfirmedReleaseFactory()
    withdrawn = CancelledReleaseFactory(withdrawn_in_favour_of=replacement)

    assert withdrawn.state == State.CANCELLED
    assert list(replacement.replaces.all()) == [withdrawn]


@pytest.mark.django_db
def test_a_release_asks_the_database_about_all_its_check_constraints_at_once():
    """Nine checks were nine queries per write (a quarter of demo_data's time); one now, Django's loop only on failure."""
    release = ConfirmedReleaseFactory()

    with CaptureQueriesContext(connection) as captured:
        release.full_clean()

    assert len([q for q in captured.captured_queries if '"_check"' in q["sql"]]) == 1
