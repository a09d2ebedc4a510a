"""Reads of the release register. ``visible_to`` is the one place that decides who may see what."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from ehssg.roles import roles_of
from ehssg.search import Unaccent, unaccent_available

from .choices import OPEN_STATES, ChangeStatus, Precision, State

if TYPE_CHECKING:
    from .models import DateChange, Producer, Release, ReleaseSeries  # noqa: F401


def london_today() -> date:
    return timezone.localdate()


def overdue_condition(now: datetime) -> Q:
    """Open releases whose date has passed: derived, never stored."""
    today = timezone.localdate(now)
    return Q(state__in=OPEN_STATES) & (
        Q(precision=Precision.EXACT, release_at__lt=now) | (~Q(precision=Precision.EXACT) & Q(ends_on__lt=today))
    )


class ProducerQuerySet(models.QuerySet["Producer"]):
    def editable_by(self, user: Any) -> ProducerQuerySet:
        return self.filter(pk__in=roles_of(user).producer_ids)


class ReleaseSeriesQuerySet(models.QuerySet["ReleaseSeries"]):
    def active(self) -> ReleaseSeriesQuerySet:
        return self.filter(is_active=True)

    def editable_by(self, user: Any) -> ReleaseSeriesQuerySet:
        return self.filter(producers__in=roles_of(user).producer_ids).distinct()


class ReleaseQuerySet(models.QuerySet["Release"]):
    def announced(self) -> ReleaseQuerySet:
        return self.exclude(state=State.DRAFT)

    def visible_to(self, user: Any) -> ReleaseQuerySet:
        """Announced releases for everyone; drafts only for people of the lead or a joint producer."""
        producer_ids = roles_of(user).producer_ids
        if not producer_ids:
            return self.announced()
        own = Q(lead_producer__in=producer_ids) | Q(
            pk__in=self.model.joint_producers.through.objects.filter(producer_id__in=producer_ids).values("release_id")
        )
        return self.filter(~Q(state=State.DRAFT) | own)

    def of_producers(self, producer_ids: Any) -> ReleaseQuerySet:
        """Releases led by, or joint with, any of the producers."""
        joint = self.model.joint_producers.through.objects.filter(producer_id__in=producer_ids).values("release_id")
        return self.filter(Q(lead_producer__in=producer_ids) | Q(pk__in=joint))

    def matching_keywords(self, words: Sequence[str]) -> ReleaseQuerySet:
        """Releases whose title or summary contains every one of ``words``, case and accents aside (ehssg/search.py)."""
        found = self
        if words and unaccent_available(connections[self.db]):
            found = found.alias(keyword_title=Unaccent("title"), keyword_summary=Unaccent("summary"))
            for word in words:
                typed = Unaccent(Value(word))
                found = found.filter(Q(keyword_title__icontains=typed) | Q(keyword_summary__icontains=typed))
            return found
        for word in words:
            found = found.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return found

    def editable_by(self, user: Any) -> ReleaseQuerySet:
        return self.of_producers(roles_of(user).producer_ids)

    def open(self) -> ReleaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now: datetime | None = None) -> ReleaseQuerySet:
        """Open releases whose date has passed: derived, never stored."""
        return self.filter(overdue_condition(now or timezone.now()))

    def with_flags(self, now: datetime | None = None) -> ReleaseQuerySet:
        """Annotate the derived ``is_overdue`` and ``is_postponed``."""
        from .models import DateChange

        overdue = overdue_condition(now or timezone.now())
        moved_later = DateChange.objects.filter(
            release=OuterRef("pk"),
            status=ChangeStatus.AGREED,
            previous_precision=Precision.EXACT,
            new_release_at__gt=models.F("previous_release_at"),
        )
        return self.annotate(
            is_overdue=models.ExpressionWrapper(overdue, output_field=models.BooleanField()),
            is_postponed=models.ExpressionWrapper(
                Q(state=State.CONFIRMED) & Exists(moved_later), output_field=models.BooleanField()
            ),
        )

    def needing(self, need: str, now: datetime | None = None) -> ReleaseQuerySet:
        """Releases that need a producer's action of one kind (``NEEDS`` in choices.py), or of any kind ("any")."""
        return self.filter(self._need_condition(need, now or timezone.now()))

    def _need_condition(self, need: str, now: datetime) -> Q:
        from datetime import timedelta

        from django.conf import settings

        from .choices import UNSETTLED_FLAG_STATUSES, Need
        from .models import DateChange

        if need == "any":
            conditions = [self._need_condition(n, now) for n in Need.values]
            combined = conditions[0]
            for condition in conditions[1:]:
                combined |= condition
            return combined
        today = timezone.localdate(now)
        if need == Need.PROVISIONAL_SOON:
            notice = timedelta(days=settings.EHSSG_MIN_NOTICE_DAYS)
            return Q(state=State.PROVISIONAL, starts_on__lte=today + notice)
        if need == Need.PENDING_CHANGE:
            return Q(Exists(DateChange.objects.filter(release=OuterRef("pk"), status=ChangeStatus.PENDING)))
        if need == Need.OVERDUE:
            return overdue_condition(now)
        if need == Need.OPEN_FLAGS:
            # Through the reverse accessor's link table: the register imports nothing of the engines that raise flags.
            links = self.model.flags.through.objects  # type: ignore[attr-defined]
            return Q(Exists(links.filter(release_id=OuterRef("pk"), flag__status__in=UNSETTLED_FLAG_STATUSES)))
        raise ValueError(f"Unknown need: {need}")

    def postponed(self) -> ReleaseQuerySet:
        return self.with_flags().filter(Q(is_postponed=True))

    def for_listing(self) -> ReleaseQuerySet:
        return self.select_related("lead_producer", "series").prefetch_related("joint_producers", "networks")


class DateChangeQuerySet(models.QuerySet["DateChange"]):
    def public(self) -> DateChangeQuerySet:
        """Agreed changes: every one stays public for ever."""
        return self.filter(status=ChangeStatus.AGREED)

    def pending(self) -> DateChangeQuerySet:
        return self.filter(status=ChangeStatus.PENDING)

    def awaiting_hop(self, user: Any) -> DateChangeQuerySet:
        return self.pending().filter(release__lead_producer__in=roles_of(user).hop_of)


__all__ = ["ReleaseQuerySet", "DateChangeQuerySet", "ProducerQuerySet", "ReleaseSeriesQuerySet"]
