"""Producer forms: they check the shape of what was typed and build the services' arguments. No domain rules here.

Date inputs follow the GOV.UK pattern (day, month and year boxes); messages follow the GOV.UK error message style.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ehssg.forms import DateField, DateWidget, apply_errors, flash_outcome
from ehssg.roles import roles_of

from .choices import Designation, Geography, Need, State
from .models import Producer, Release, ReleaseSeries
from .schedule import LONDON, Schedule
from .selectors import topic_networks
from .services import ReleaseDetails

TIME_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)
# The register services' schedule fields, and the form boxes a person typed them in.
SCHEDULE_FIELDS = {"release_at": "release_date", "starts_on": "window_start", "access_starts_at": "access_date"}
# The date input and the refusal helpers live in ehssg.forms (every app's pages share them); named here as before.
__all__ = ["DateField", "DateWidget", "apply_service_errors", "flash_outcome"]


class TimeField(forms.CharField):
    """A London wall-clock time typed as 9:30am, 09:30 or 16:00."""

    def clean(self, value: Any) -> time | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        match = TIME_PATTERN.match(text)
        if not match:
            raise ValidationError("Enter a time like 9:30am or 16:00", code="invalid")
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
        if suffix:
            if not 1 <= hour <= 12:
                raise ValidationError("Enter a time like 9:30am or 16:00", code="invalid")
            hour = hour % 12 + (12 if suffix == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError("Enter a real time", code="invalid")
        return time(hour, minute)


def london_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


TITLE_ADVICE = 65  # Code of Practice guidance: advice shown as a warning, never a limit
SUMMARY_ADVICE = 160
TIMING_FIELDS = {"window": ("window_start", "window_months"), "exact": ("release_date", "release_time")}


def model_limit(field: str) -> int:
    """The most characters the register keeps for a release field: hints and form limits come from the model."""
    limit = getattr(Release._meta.get_field(field), "max_length", None)
    assert isinstance(limit, int)  # noqa: S101 - asked only of fields with a limit
    return limit


def too_long(label: str, limit: int) -> str:
    return f"{label} must be {limit:,} characters or fewer"


class ByFullName:
    """Producers shown by their full names: people may not know every abbreviation."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProducerByNameField(ByFullName, forms.ModelChoiceField):
    """The lead producer, by full name."""


class JointProducerField(ByFullName, forms.ModelMultipleChoiceField):
    """Joint producers, by full name."""


class ReleaseForm(forms.Form):
    """Register or edit a release. The date part appears while the release is a draft: a window or an exact date
    and time, each set of fields revealed under its radio (GOV.UK conditional reveal; without JavaScript both sets
    show) and validated only when chosen."""

    title = forms.CharField(
        max_length=model_limit("title"),
        help_text=f"Say what it covers and the period. A good title is under {TITLE_ADVICE} characters (at most "
        f"{model_limit('title')}). For example, A&E attendances and emergency admissions: April 2027",
        error_messages={"required": "Enter a title", "max_length": too_long("Title", model_limit("title"))},
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=model_limit("summary"),
        help_text=f"One or two sentences. A good summary is under {SUMMARY_ADVICE} characters (at most "
        f"{model_limit('summary'):,}).",
        error_messages={"max_length": too_long("Summary", model_limit("summary"))},
    )  # fmt: skip
    lead_producer = ProducerByNameField(
        queryset=Producer.objects.none(), empty_label=None, error_messages={"required": "Select the lead producer"}
    )
    joint_producers = JointProducerField(
        queryset=Producer.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Other producers releasing these statistics jointly.",
    )  # fmt: skip
    networks = forms.ModelMultipleChoiceField(
        queryset=topic_networks(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Topic networks",
    )  # fmt: skip
    series = forms.ModelChoiceField(queryset=ReleaseSeries.objects.none(), required=False, empty_label="None")
    designation = forms.ChoiceField(
        choices=Designation.choices, widget=forms.RadioSelect, error_messages={"required": "Select the designation"}
    )
    reference_period_start = DateField(label="Start of the reference period", required=False)
    reference_period_end = DateField(label="End of the reference period", required=False)
    geography = forms.ChoiceField(choices=Geography.choices, initial=Geography.ENGLAND)
    lead_statistician_name = forms.CharField(
        max_length=model_limit("lead_statistician_name"),
        label="Lead statistician's name",
        error_messages={
            "required": "Enter the lead statistician's name",
            "max_length": too_long("Lead statistician's name", model_limit("lead_statistician_name")),
        },
    )
    lead_statistician_email = forms.EmailField(
        label="Lead statistician's email address",
        error_messages={
            "required": "Enter the lead statistician's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    market_sensitive = forms.BooleanField(required=False, label="These statistics are market sensitive")
    timing = forms.ChoiceField(
        choices=[("window", "A provisional month or two months"), ("exact", "An exact date and time")],
        widget=forms.RadioSelect,
        label="When is it due?",
        error_messages={"required": "Select when the release is due"},
    )
    window_start = DateField(label="First month of the window", with_day=False, required=False)
    window_months = forms.ChoiceField(
        choices=[("1", "One month"), ("2", "Two months")], widget=forms.RadioSelect, required=False, initial="1",
        label="Length of the window",
    )  # fmt: skip
    release_date = DateField(label="Release date", required=False)
    release_time = TimeField(required=False, label="Release time", initial="9:30am")

    def __init__(self, *args: Any, user: Any, with_schedule: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_producer"].queryset = Producer.objects.editable_by(user)  # type: ignore[attr-defined]
        own = roles_of(user).producer_ids
        if len(own) == 1:  # one's own producer leads; it is never also a joint producer
            joint = self.fields["joint_producers"]
            joint.queryset = joint.queryset.exclude(pk__in=own)  # type: ignore[attr-defined]
        self.fields["series"].queryset = ReleaseSeries.objects.editable_by(user).order_by("title")  # type: ignore[attr-defined]
        if not with_schedule:
            for name in ("timing", "window_start", "window_months", "release_date", "release_time"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        timing = data.get("timing")
        for option, names in TIMING_FIELDS.items():  # the fields of the option not chosen are neither checked nor used
            if option != timing and "timing" in self.fields:
                for name in names:
                    self.errors.pop(name, None)
                    data.pop(name, None)
        if timing == "window" and not data.get("window_start") and "window_start" not in self.errors:
            self.add_error("window_start", "Enter the first month of the window")
        if timing == "exact":
            if not data.get("release_date") and "release_date" not in self.errors:
                self.add_error("release_date", "Enter the release date")
            if not data.get("release_time") and "release_time" not in self.errors:
                self.add_error("release_time", "Enter the release time")
        return data

    def details(self) -> ReleaseDetails:
        d = self.cleaned_data
        return ReleaseDetails(
            title=d["title"],
            summary=d.get("summary", ""),
            lead_producer=d["lead_producer"],
            joint_producers=tuple(d.get("joint_producers") or ()),
            networks=tuple(d.get("networks") or ()),
            series=d.get("series"),
            designation=d["designation"],
            reference_period_start=d.get("reference_period_start"),
            reference_period_end=d.get("reference_period_end"),
            geography=d["geography"],
            lead_statistician_name=d["lead_statistician_name"],
            lead_statistician_email=d["lead_statistician_email"],
            market_sensitive=d.get("market_sensitive", False),
        )

    def schedule(self) -> Schedule | None:
        d = self.cleaned_data
        if "timing" not in d:
            return None
        if d["timing"] == "exact":
            return Schedule.exact(london_datetime(d["release_date"], d["release_time"]))
        return Schedule.window(d["window_start"], int(d.get("window_months") or 1))


NEED_CHOICES = [("any", "Needs action"), *Need.choices]


class ReleaseListFilterForm(forms.Form):
    """The producer's release list: search the title, pick a state, pick what needs action."""

    q = forms.CharField(required=False, max_length=200, label="Search titles")
    state = forms.ChoiceField(choices=[("", "Any state"), *State.choices], required=False, label="State")
    needs = forms.ChoiceField(choices=[("", "Any release"), *NEED_CHOICES], required=False, label="Needs action")

    def filters(self) -> dict[str, str]:
        """The valid filters as the selector's keyword arguments (none when the form is not valid)."""
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"query": d["q"].strip(), "state": d["state"], "need": d["needs"]}


class ConfirmForm(forms.Form):
    release_date = DateField(label="Release date")
    release_time = TimeField(
        label="Release time", initial="9:30am", error_messages={"required": "Enter the release time"}
    )

    def release_at(self) -> datetime:
        return london_datetime(self.cleaned_data["release_date"], self.cleaned_data["release_time"])


class ChangeExactForm(ConfirmForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reason for the change",
        error_messages={"required": "Enter the reason for the change"},
    )  # fmt: skip

    def schedule(self) -> Schedule:
        return Schedule.exact(self.release_at())


class ChangeWindowForm(forms.Form):
    window_start = DateField(label="First month of the window", with_day=False)
    window_months = forms.ChoiceField(
        choices=[("1", "One month"), ("2", "Two months")], widget=forms.RadioSelect, initial="1",
        label="Length of the window",
    )  # fmt: skip
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reason for the change",
        error_messages={"required": "Enter the reason for the change"},
    )  # fmt: skip

    def schedule(self) -> Schedule:
        return Schedule.window(self.cleaned_data["window_start"], int(self.cleaned_data["window_months"]))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reason", error_messages={"required": "Enter the reason"}
    )


class PublishForm(forms.Form):
    published_url = forms.URLField(
        assume_scheme="https",
        label="Address of the published statistics",
        error_messages={
            "required": "Enter the address of the published statistics",
            "invalid": "Enter a full web address, like https://www.gov.uk/government/statistics/...",
        },
    )


class AccessForm(forms.Form):
    recipient_role = forms.CharField(max_length=200, label="Role", error_messages={"required": "Enter the role"})
    organisation = forms.CharField(max_length=200, error_messages={"required": "Enter the organisation"})
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Enter why they need early access"}
    )
    access_date = DateField(label="Date access starts")
    access_time = TimeField(label="Time access starts", error_messages={"required": "Enter the time access starts"})

    def access_starts_at(self) -> datetime:
        return london_datetime(self.cleaned_data["access_date"], self.cleaned_data["access_time"])


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a register service's refusal on the form, its schedule fields beside the boxes they came from."""
    apply_errors(form, error, mapping=SCHEDULE_FIELDS)
