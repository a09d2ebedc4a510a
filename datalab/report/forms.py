"""The report's forms: the organisation's correction of its programme description, the lab's publication date, the
catalogue's filters. Shapes only; datalab/services.py holds the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from ehssg.forms import DateField

from .. import messages
from ..choices import Measure, Outcome
from . import words


class DescriptionForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea, label="What the programme does", strip=True,
        help_text="This is the only part of the report you can change: the figures are the lab's checked results.",
        error_messages={"required": words.DESCRIPTION_REQUIRED},
    )  # fmt: skip
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What was wrong with it?", strip=True,
        error_messages={"required": messages.REASON_REQUIRED},
    )  # fmt: skip


class ScheduleForm(forms.Form):
    publish_on = DateField(label="Date of publication", help_text="Reports are published at 9:30am on a working day.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note (optional)", required=False)


class CatalogueForm(forms.Form):
    organisation = forms.ChoiceField(label="Organisation", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[("", "Emergency hospital admissions"),
                                                                          *Outcome.choices])  # fmt: skip
    measure = forms.ChoiceField(label="Measure", required=False, choices=[("", "People with at least one"),
                                                                          *Measure.choices])  # fmt: skip

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "All organisations"), *organisations]
