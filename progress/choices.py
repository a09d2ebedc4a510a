"""Enumerations of progress reporting."""

from django.db import models


class Breakdown(models.TextChoices):
    NONE = "none", "No breakdown"
    PRODUCER = "producer", "By producer"
    NETWORK = "network", "By topic network"


class Unit(models.TextChoices):
    PERCENT = "percent", "Per cent"
    COUNT = "count", "Number"
    DAYS = "days", "Days (median)"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
