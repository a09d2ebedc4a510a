"""The subscribe form: the calendar's filters plus an e-mail address and how often. Shape only; the service decides.

Field names match the calendar's GET parameters (``producer``, ``network``, ``designation``, ``q``), so the calendar's
"Get email alerts" link fills the form with the filter in use.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import QuerySet

from networks.models import TopicNetwork
from releases.choices import Designation
from releases.filtersets import SlugsField
from releases.models import Producer

from . import messages
from .choices import Frequency

# Letters (any alphabet), digits, spaces and the punctuation of titles; no angle brackets, quotes or control characters.
KEYWORDS_RE = re.compile(r"[\w\s\-'’.,&()/]*")
MAX_CHOICES = 50


class ChoiceSlugsField(SlugsField):
    """The filterset's slug checks, with GOV.UK messages and a checkbox per choice."""

    def __init__(self, *, unknown: str, **kwargs: Any) -> None:
        self.unknown = unknown
        super().__init__(to_field_name="slug", required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)

    def clean(self, value: Any) -> Any:
        if value and len(value) > MAX_CHOICES:
            raise ValidationError(messages.TOO_MANY_CHOICES.format(limit=MAX_CHOICES))
        try:
            return super().clean(value)
        except ValidationError as error:
            raise ValidationError(self._message(value)) from error

    def _message(self, value: Any) -> str:
        queryset = cast(QuerySet[Any], self.queryset)
        known = set(queryset.filter(slug__in=[str(v)[:120] for v in value]).values_list("slug", flat=True))
        unknown = next((str(v) for v in value if str(v) not in known), "")
        shown = "".join(c for c in unknown[:60] if c.isprintable())
        return self.unknown.format(value=f"“{shown}”")


class SubscribeForm(forms.Form):
    email = forms.CharField(
        label="Email address", max_length=254, required=True,
        error_messages={"required": messages.EMAIL_REQUIRED, "max_length": messages.EMAIL_TOO_LONG},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
    producer = ChoiceSlugsField(queryset=Producer.objects.all(), kind="producer", label="Producer",
                                unknown=messages.UNKNOWN_PRODUCER)  # fmt: skip
    network = ChoiceSlugsField(queryset=TopicNetwork.objects.all(), kind="topic network", label="Topic network",
                               unknown=messages.UNKNOWN_NETWORK)  # fmt: skip
    designation = forms.MultipleChoiceField(
        choices=Designation.choices, required=False, label="Designation", widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": messages.DESIGNATION_UNKNOWN},
    )  # fmt: skip
    q = forms.CharField(
        label="Keywords", required=False, max_length=200, strip=True,
        help_text="Only releases whose title or summary has every word. Leave empty for all releases.",
        error_messages={"max_length": messages.KEYWORDS_TOO_LONG},
    )  # fmt: skip
    frequency = forms.ChoiceField(
        choices=Frequency.choices, label="How often do you want emails?", widget=forms.RadioSelect,
        initial=Frequency.IMMEDIATE, error_messages={"required": messages.FREQUENCY_REQUIRED,
                                                     "invalid_choice": messages.FREQUENCY_REQUIRED},
    )  # fmt: skip

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        # Control characters (a header injection attempt: "a@b.org\r\nBcc: ...") or anything else not an address.
        if any(not c.isprintable() for c in value):
            raise ValidationError(messages.EMAIL_INVALID)
        try:
            EmailValidator()(value)
        except ValidationError:
            raise ValidationError(messages.EMAIL_INVALID) from None
        return value.lower()

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"]
        if not KEYWORDS_RE.fullmatch(value):
            raise ValidationError(messages.KEYWORDS_INVALID)
        return " ".join(value.split())
