"""The lab's cast (two organisations, the lab's people, outsiders), a registered extract, and requests in any state."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import factory
import pytest
from django.test import TestCase

from datalab import services
from datalab.base_rates import compute_base_rates
from datalab.choices import AgeGroup, LawfulBasis, Measure, Outcome, RequestState, SpecialCategoryCondition
from datalab.extract import Extract
from datalab.models import DataLabRequest, NationalExtract, Organisation
from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP, forget_roles
from tests.factories import UserFactory, add_to_group, make_osr, make_secretariat


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Charity {n}")
    slug = factory.Sequence(lambda n: f"charity-{n}")
    charity_number = factory.Sequence(lambda n: f"{1100000 + n}")


def member_of(organisation: Organisation, username: str) -> Any:
    user = UserFactory(username=username)
    organisation.members.add(user)
    forget_roles(user)
    return user


def in_group(username: str, group: str) -> Any:
    user = UserFactory(username=username)
    add_to_group(user, group)
    forget_roles(user)
    return user


@dataclass
class LabCast:
    organisation: Organisation
    other_organisation: Organisation
    charity: Any
    other_charity: Any
    analyst: Any
    other_analyst: Any
    checker: Any
    secretariat: Any
    osr: Any
    outsider: Any
    extract: NationalExtract


APPLICATION: dict[str, Any] = {
    "programme_name": "Home from hospital befriending",
    "programme_description": "Volunteers visit older people at home in the weeks after they leave hospital.",
    "who_it_helps": "People aged 65 and over living alone after a hospital stay.",
    "age_group": AgeGroup.ADULTS_65_79,
    "delivery_start": date(2022, 6, 1),
    "delivery_end": date(2023, 6, 30),
    "expected_people": 400,
    "primary_outcome": Outcome.EMERGENCY_ADMISSIONS,
    "primary_measure": Measure.RATE,
    "minimal_important_difference": None,
    "lawful_basis": LawfulBasis.LEGITIMATE_INTERESTS,
    "special_category_condition": SpecialCategoryCondition.RESEARCH,
    "privacy_notice_confirmed": True,
}


@pytest.fixture(scope="session")
def base_rates(extract: Extract) -> list[Any]:
    return compute_base_rates(extract.path)


@pytest.fixture
def eager_lab_tasks() -> Any:
    """The lab's tasks (linking, the analysis) run in-process, even where a broker is configured (CI's second pass),
    so the real path (service, on_commit, task) runs inside the test, as tests/alerts does for its tasks."""
    from ehssg.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def lab(db, extract: Extract, base_rates: list[Any], settings, monkeypatch, eager_lab_tasks) -> LabCast:
    """Everyone around two organisations, with the session's small extract registered as the current one."""
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", _key_text())
    manifest = extract.manifest
    registered = services.extract_register(folder=extract.path, manifest=manifest, base_rates=base_rates)
    organisation = OrganisationFactory(name="Hartley Befriending Trust", slug="hartley")
    other = OrganisationFactory(name="Northgate Carers", slug="northgate")
    return LabCast(
        organisation=organisation,
        other_organisation=other,
        charity=member_of(organisation, "charity"),
        other_charity=member_of(other, "other_charity"),
        analyst=in_group("analyst", LAB_ANALYST_GROUP),
        other_analyst=in_group("other_analyst", LAB_ANALYST_GROUP),
        checker=in_group("checker", OUTPUT_CHECKER_GROUP),
        secretariat=make_secretariat(),
        osr=make_osr(),
        outsider=UserFactory(username="outsider"),
        extract=registered,
    )


def _key_text() -> str:
    from tests.datalab.conftest import KEY

    return KEY.decode()


def draft(cast: LabCast, **changes: Any) -> DataLabRequest:
    return services.request_create(actor=cast.charity, organisation=cast.organisation, **{**APPLICATION, **changes})


def cohort_csv(extract: Extract, *, limit: int | None = None) -> bytes:
    """The extract's planted cohort as the organisation would upload it, without the rows it mistyped."""
    from datalab.pseudonymise import normalise_nhs_number

    assert extract.cohort_csv is not None
    text = extract.cohort_csv.read_text()
    rows = [r for r in csv.DictReader(io.StringIO(text)) if not r["nhs_number"] or normalise_nhs_number(r["nhs_number"])]
    rows = rows[:limit] if limit else rows
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(cast: LabCast, request: DataLabRequest, data: bytes, filename: str = "cohort.csv") -> Any:
    """Upload as the organisation, and let the commit's work (linking, in the eager worker) run as it would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.cohort_upload(actor=cast.charity, request=request, filename=filename, data=data)


def advance(cast: LabCast, request: DataLabRequest, to: str, *, extract: Extract | None = None) -> DataLabRequest:
    """Take ``request`` along the usual path, through the services, until it is in state ``to``."""
    path = [
        (RequestState.SUBMITTED, lambda r: services.request_submit(actor=cast.charity, request=r)),
        (RequestState.ELIGIBILITY_CHECKED, lambda r: services.request_check_eligibility(actor=cast.analyst, request=r)),
        (RequestState.AGREEMENT_SIGNED, lambda r: services.agreement_sign(
            actor=cast.charity, request=r, signatory_name="Sam Okafor", signatory_role="Chief executive",
            accepted=True)),
        (RequestState.AWAITING_UPLOAD, lambda r: services.request_open_upload(
            actor=cast.analyst, request=r, analyst=cast.analyst, output_checker=cast.checker)),
        (RequestState.LINKED, lambda r: upload(cast, r, cohort_csv(extract) if extract else b"")),
        (RequestState.FEASIBLE, lambda r: services.request_mark_feasible(actor=cast.analyst, request=r)),
        (RequestState.PROTOCOL_LOCKED, lambda r: services.request_lock_protocol(actor=cast.analyst, request=r)),
    ]  # fmt: skip
    for _state, step in path:
        request.refresh_from_db()
        if request.state == to:
            return request
        step(request)
    request.refresh_from_db()
    assert request.state == to, f"cannot reach {to} from the usual path"
    return request
