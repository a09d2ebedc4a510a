"""Topic networks: groups of producers and people working on one topic (cancer, mental health, ...).

Action plans, progress updates, lessons and engagement records hang off a network (a later part of the platform); the
release register needs the network itself so releases and series can say which networks they serve.
"""

from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class TopicNetworkQuerySet(models.QuerySet["TopicNetwork"]):
    def led_by(self, user: Any) -> "TopicNetworkQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(leads=user)


class TopicNetwork(models.Model):
    """A topic network of the EHSSG: who leads it, which producers and people belong to it."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="led_networks")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_networks")
    member_producers = models.ManyToManyField("releases.Producer", blank=True, related_name="networks")
    max_major_releases_per_day = models.PositiveSmallIntegerField(
        default=2, help_text="More accredited or official releases than this on one day is a clash."
    )

    history = HistoricalRecords(m2m_fields=[leads, member_producers])
    objects = TopicNetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
