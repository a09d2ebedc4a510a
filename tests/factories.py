"""factory_boy factories: one per release state, plus the people in each role."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from ehssg.roles import OSR_GROUP, SECRETARIAT_GROUP
from networks.models import TopicNetwork
from releases.choices import Designation, Frequency, Precision, ProducerRole, State
from releases.models import DateChange, Producer, ProducerMembership, Release, ReleaseSeries

LONDON = ZoneInfo("Europe/London")


def london(day: date, at: time = time(9, 30)) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct horse battery staple")


class ProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Producer
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Producer {n}")
    abbreviation = factory.Sequence(lambda n: f"P{n}")
    slug = factory.Sequence(lambda n: f"producer-{n}")
    website = "https://www.gov.uk/"


class TopicNetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicNetwork
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")


class ReleaseSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReleaseSeries
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Monthly series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")
    frequency = Frequency.MONTHLY
    designation = Designation.OFFICIAL

    @factory.post_generation
    def producers(self, create, extracted, **kwargs):
        if create and extracted:
            self.producers.set(extracted)


class ReleaseFactory(factory.django.DjangoModelFactory):
    """A draft with a one-month window, two months ahead."""

    class Meta:
        model = Release
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Hospital statistics release {n}")
    slug = factory.Sequence(lambda n: f"release-{n}")
    uid = factory.Faker("uuid4", cast_to=None)
    summary = "Figures for England."
    lead_producer = factory.SubFactory(ProducerFactory)
    designation = Designation.OFFICIAL
    lead_statistician_name = "Sam Analyst"
    lead_statistician_email = "sam.analyst@example.org"
    state = State.DRAFT
    precision = Precision.MONTH
    starts_on = factory.LazyFunction(lambda: (timezone.localdate() + timedelta(days=62)).replace(day=1))
    ends_on = factory.LazyAttribute(
        lambda r: (r.starts_on.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    )
    release_at = None
    revised_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def networks(self, create, extracted, **kwargs):
        if create and extracted:
            self.networks.set(extracted)

    @factory.post_generation
    def joint_producers(self, create, extracted, **kwargs):
        if create and extracted:
            self.joint_producers.set(extracted)


class ProvisionalReleaseFactory(ReleaseFactory):
    state = State.PROVISIONAL
    announced_at = factory.LazyFunction(timezone.now)


class ConfirmedReleaseFactory(ReleaseFactory):
    state = State.CONFIRMED
    precision = Precision.EXACT
    release_at = factory.LazyFunction(lambda: london(timezone.localdate() + timedelta(days=42)))
    starts_on = factory.LazyAttribute(lambda r: r.release_at.astimezone(LONDON).date())
    ends_on = factory.LazyAttribute(lambda r: r.starts_on)
    announced_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
    sequence = 1


class PublishedReleaseFactory(ConfirmedReleaseFactory):
    state = State.PUBLISHED
    release_at = factory.LazyFunction(lambda: london(timezone.localdate() - timedelta(days=3)))
    announced_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=90))
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=60))
    published_at = factory.LazyAttribute(lambda r: r.release_at)
    published_url = "https://www.gov.uk/government/statistics/example"
    sequence = 2


class CancelledReleaseFactory(ProvisionalReleaseFactory):
    state = State.CANCELLED
    cancellation_reason = "The data supplier could not provide the figures in time."
    cancelled_at = factory.LazyFunction(timezone.now)
    sequence = 1


class DateChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DateChange

    release = factory.SubFactory(ConfirmedReleaseFactory)
    previous_precision = Precision.EXACT
    previous_release_at = factory.LazyAttribute(lambda c: c.release.release_at)
    previous_starts_on = factory.LazyAttribute(lambda c: c.release.starts_on)
    previous_ends_on = factory.LazyAttribute(lambda c: c.release.ends_on)
    new_precision = Precision.EXACT
    new_release_at = factory.LazyAttribute(lambda c: c.release.release_at + timedelta(days=7))
    new_starts_on = factory.LazyAttribute(lambda c: c.new_release_at.astimezone(LONDON).date())
    new_ends_on = factory.LazyAttribute(lambda c: c.new_starts_on)
    reason = "Data quality checks need another week."
    requested_by = factory.SubFactory(UserFactory)
    requested_at = factory.LazyFunction(timezone.now)


def give_role(user, producer: Producer, role: str = ProducerRole.EDITOR) -> None:
    ProducerMembership.objects.get_or_create(user=user, producer=producer, role=role)
    if hasattr(user, "_ehssg_roles"):
        del user._ehssg_roles


def add_to_group(user, name: str) -> None:
    group, _ = Group.objects.get_or_create(name=name)
    user.groups.add(group)
    if hasattr(user, "_ehssg_roles"):
        del user._ehssg_roles


def make_secretariat(username: str = "secretariat"):
    user = UserFactory(username=username)
    add_to_group(user, SECRETARIAT_GROUP)
    return user


def make_osr(username: str = "osr"):
    user = UserFactory(username=username)
    add_to_group(user, OSR_GROUP)
    return user
