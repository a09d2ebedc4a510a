"""Enumerations of the release domain (see shared docs/domain.md)."""

from django.db import models

# Who a person is to a producer belongs with the other roles (ehssg.roles imports nothing of the register).
from ehssg.roles import ProducerRole  # noqa: F401


class Designation(models.TextChoices):
    ACCREDITED = "accredited", "Accredited official statistics"
    OFFICIAL = "official", "Official statistics"
    IN_DEVELOPMENT = "in_development", "Official statistics in development"
    MANAGEMENT_INFORMATION = "management_information", "Management information"
    AD_HOC = "ad_hoc", "Ad hoc statistics"


MAJOR_DESIGNATIONS = (Designation.ACCREDITED, Designation.OFFICIAL)


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROVISIONAL = "provisional", "Provisional"
    CONFIRMED = "confirmed", "Confirmed"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


ANNOUNCED_STATES = (State.PROVISIONAL, State.CONFIRMED, State.PUBLISHED, State.CANCELLED)
OPEN_STATES = (State.PROVISIONAL, State.CONFIRMED)


class Precision(models.TextChoices):
    EXACT = "exact", "Exact date and time"
    MONTH = "month", "Month"
    TWO_MONTHS = "two_months", "Two months"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    BIANNUAL = "biannual", "Every six months"
    ANNUAL = "annual", "Annual"
    BIENNIAL = "biennial", "Every two years"
    AD_HOC = "ad_hoc", "Ad hoc"


class Geography(models.TextChoices):
    UNITED_KINGDOM = "uk", "United Kingdom"
    GREAT_BRITAIN = "gb", "Great Britain"
    ENGLAND_AND_WALES = "england_wales", "England and Wales"
    ENGLAND = "england", "England"
    ENGLAND_REGIONS = "england_regions", "England and English regions"
    LOCAL = "england_local", "England, regions and local areas"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for Head of Profession"
    AGREED = "agreed", "Agreed"
    REJECTED = "rejected", "Not agreed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ImportSource(models.TextChoices):
    """Where an imported release came from; blank for releases registered here."""

    GOVUK = "govuk", "GOV.UK statistics announcements"
    ONS = "ons", "ONS release calendar"
    CSV = "csv", "CSV table of announcements"


class PublicChange(models.TextChoices):
    """What the public hears about a release's change (the alerts app records these as events of the same kinds)."""

    ANNOUNCED = "announced", "Release announced"
    CONFIRMED = "confirmed", "Release date confirmed"
    RESCHEDULED = "rescheduled", "Release date changed"
    CANCELLED = "cancelled", "Release cancelled"
    PUBLISHED = "published", "Release published"


# Flags still to settle, for the register's "open flags" filter and the networks' counts, which reach flags through
# the reverse accessors (Release.flags, TopicNetwork.flags). coordination.choices.UNSETTLED_STATUSES is the engines'
# own name; tests/test_architecture.py checks the two agree.
UNSETTLED_FLAG_STATUSES = ("open", "acknowledged")


class Need(models.TextChoices):
    """What a producer has to do about a release: the "needs action" filter of the producer's release list."""

    PROVISIONAL_SOON = "provisional_soon", "Provisional, due within 4 weeks"
    PENDING_CHANGE = "pending_change", "Date change awaiting agreement"
    OVERDUE = "overdue", "Overdue"
    OPEN_FLAGS = "open_flags", "Open flags"
