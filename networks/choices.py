"""Enumerations of topic networks' work."""

from django.db import models


class Goal(models.TextChoices):
    ALIGN_DATES = "align_dates", "Align publication dates"
    REMOVE_DUPLICATION = "remove_duplication", "Remove duplication"
    HARMONISE = "harmonise", "Harmonise methodology and definitions"
    ENGAGEMENT = "engagement", "Increase user engagement"
    DATA_SHARING = "data_sharing", "Data sharing and linkage"


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    BLOCKED = "blocked", "Blocked"
    DROPPED = "dropped", "Dropped"


CLOSED_ITEM_STATUSES = (ItemStatus.COMPLETE, ItemStatus.DROPPED)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    # A published plan a later one replaced: still public, with its actions and their progress, on its own page.
    SUPERSEDED = "superseded", "Superseded"


PUBLIC_PLAN_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)


class ActivityKind(models.TextChoices):
    EVENT = "event", "Event"
    CONSULTATION = "consultation", "Consultation"
    SURVEY = "survey", "Survey"
    USER_FEEDBACK = "user_feedback", "User feedback"
