"""The Health Data Lab's fixed vocabularies: a request's states, the outcomes, who a programme helps, lawful bases."""

from django.db import models


class RequestState(models.TextChoices):
    """Where a request is in its life (datalab/states.py says which step leads where, and who takes it)."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ELIGIBILITY_CHECKED = "eligibility_checked", "Eligibility checked"
    AGREEMENT_SIGNED = "agreement_signed", "Agreement signed"
    AWAITING_UPLOAD = "awaiting_upload", "Awaiting upload"
    LINKED = "linked", "Linked"
    FEASIBLE = "feasible", "Feasible"
    NOT_FEASIBLE = "not_feasible", "Not feasible"
    PROTOCOL_LOCKED = "protocol_locked", "Protocol locked"
    ANALYSED = "analysed", "Analysed"
    OUTPUT_CHECKED = "output_checked", "Output checked"
    FACTUAL_REVIEW = "factual_review", "Factual review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    DATA_DELETED = "data_deleted", "Data deleted"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Outcome(models.TextChoices):
    """The hospital use a request can measure in the year after each person's index date (IAU's outcomes)."""

    AE_ATTENDANCES = "ae_attendances", "A&E attendances"
    EMERGENCY_ADMISSIONS = "emergency_admissions", "Emergency hospital admissions"
    ELECTIVE_ADMISSIONS = "elective_admissions", "Planned (elective) hospital admissions"
    OUTPATIENT_ATTENDANCES = "outpatient_attendances", "Outpatient attendances"
    BED_DAYS = "bed_days", "Nights in hospital (bed days)"


class Measure(models.TextChoices):
    """How an outcome is summarised: JDL's rate and frequency (time to first event is reported, never primary)."""

    RATE = "rate", "People with at least one, per 100 people"
    FREQUENCY = "frequency", "Number per 100 people"


class AgeGroup(models.TextChoices):
    """Who a programme mostly helps, for the national base rate behind the power check."""

    ALL = "all", "All ages"
    CHILDREN = "0-17", "Children and young people (0 to 17)"
    ADULTS_18_39 = "18-39", "Adults aged 18 to 39"
    ADULTS_40_64 = "40-64", "Adults aged 40 to 64"
    ADULTS_65_79 = "65-79", "Adults aged 65 to 79"
    ADULTS_80 = "80+", "Adults aged 80 and over"


class LawfulBasis(models.TextChoices):
    """The charity's UK GDPR Article 6 basis for sharing the people's details with the lab."""

    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (UK GDPR Article 6(1)(f))"
    PUBLIC_TASK = "public_task", "Public task (UK GDPR Article 6(1)(e))"
    CONSENT = "consent", "Consent (UK GDPR Article 6(1)(a))"


class SpecialCategoryCondition(models.TextChoices):
    """The Article 9 condition for health data (special category) the charity relies on."""

    RESEARCH = "research", "Archiving, research and statistics (Article 9(2)(j), DPA 2018 Schedule 1 paragraph 4)"
    HEALTH_CARE = "health_care", "Health or social care (Article 9(2)(h), DPA 2018 Schedule 1 paragraph 2)"
    EXPLICIT_CONSENT = "explicit_consent", "Explicit consent (Article 9(2)(a))"
