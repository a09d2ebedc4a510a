"""What the engines find and how a flag is settled (TextChoices)."""

from django.db import models


class FlagKind(models.TextChoices):
    CLASH = "clash", "Date clash"
    OVERLOAD = "overload", "Too many major releases on one day"
    AVOID_DATE = "avoid_date", "Release on a day to avoid"
    MISALIGNED = "misaligned", "Related releases not aligned"
    DUPLICATE = "duplicate", "Possible duplicate release"
    SHORT_NOTICE = "short_notice", "Confirmed under 28 days ahead"
    NON_WORKING_DAY = "non_working_day", "Weekend or bank holiday"
    NON_STANDARD_TIME = "non_standard_time", "Release time not approved"
    NO_COVERAGE = "no_coverage", "Series without 12 months of announcements"
    OVERDUE = "overdue", "Overdue release"
    INCOHERENT = "incoherent", "One measure, different definitions"


CLASH_KINDS = (FlagKind.CLASH, FlagKind.OVERLOAD, FlagKind.AVOID_DATE)
BREACH_KINDS = (
    FlagKind.SHORT_NOTICE,
    FlagKind.NON_WORKING_DAY,
    FlagKind.NON_STANDARD_TIME,
    FlagKind.NO_COVERAGE,
    FlagKind.OVERDUE,
)


class Severity(models.TextChoices):
    INFO = "info", "For information"
    WARNING = "warning", "Warning"
    SERIOUS = "serious", "Serious"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


UNSETTLED_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class RelationKind(models.TextChoices):
    RELATED = "related", "Related releases (publish together)"
    COORDINATED = "coordinated", "Coordinated on the same day"
