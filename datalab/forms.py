"""The lab's forms: they check the shape of what was typed and hand it to datalab/services.py, which holds the rules.

GOV.UK patterns: day / month / year date inputs, radios for short lists, messages in the GOV.UK style (the services'
refusals are shown on the same forms through ``ehssg.forms.apply_errors``).
"""

from __future__ import annotations

from typing import Any

from django import forms

from ehssg.forms import DateField

from . import messages
from .choices import AgeGroup, LawfulBasis, Measure, Outcome, RequestState, SpecialCategoryCondition
from .models import DataLabRequest, Organisation
from .services import APPLICATION_FIELDS
from .states import REASON_REQUIRED, Step


def _limit(field: str) -> int:
    limit = getattr(DataLabRequest._meta.get_field(field), "max_length", None)
    assert isinstance(limit, int)  # noqa: S101 - asked only of fields with a limit
    return limit


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PersonField(forms.ModelChoiceField):
    """One of the lab's people, by full name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ApplicationForm(forms.Form):
    """A draft request: the programme, who it helps, when it ran, what to measure and the lawful basis.

    The organisation is asked only of a person in more than one (the choice lists only their own)."""

    organisation = OrganisationField(
        queryset=Organisation.objects.none(), empty_label="Select the organisation", label="Organisation",
        error_messages={"required": "Select the organisation", "invalid_choice": "Select one of your organisations"},
    )  # fmt: skip
    programme_name = forms.CharField(
        max_length=_limit("programme_name"), label="Programme name",
        error_messages={"required": "Enter the programme's name",
                        "max_length": f"The programme's name must be {_limit('programme_name')} characters or fewer"},
    )  # fmt: skip
    programme_description = forms.CharField(
        widget=forms.Textarea, label="What the programme does",
        help_text="In a few sentences: what happens, how often, for how long.",
        error_messages={"required": "Enter what the programme does"},
    )  # fmt: skip
    who_it_helps = forms.CharField(
        widget=forms.Textarea, label="Who it helps",
        help_text="For example, people aged 65 and over who live alone and have just left hospital.",
        error_messages={"required": "Enter who the programme helps"},
    )  # fmt: skip
    age_group = forms.ChoiceField(
        choices=AgeGroup.choices, widget=forms.RadioSelect, label="How old are most of the people it helps?",
        error_messages={"required": "Select the age group of most of the people it helps"},
    )  # fmt: skip
    delivery_start = DateField(
        label="First programme start date",
        help_text="The day the first of the people you will send started the programme. For example, 1 6 2022",
    )
    delivery_end = DateField(
        label="Last programme start date",
        help_text="The day the last of them started. For example, 30 6 2023",
    )
    expected_people = forms.IntegerField(
        min_value=1, max_value=1_000_000, label="How many people do you expect to send?",
        help_text="The lab needs at least 60 people it can find in the national data.",
        error_messages={"required": "Enter the number of people you expect to send",
                        "invalid": "Enter the number of people as a whole number, like 400",
                        "min_value": "Enter the number of people, 1 or more",
                        "max_value": "Enter the number of people, 1,000,000 or fewer"},
    )  # fmt: skip
    primary_outcome = forms.ChoiceField(
        choices=Outcome.choices, widget=forms.RadioSelect, label="Which hospital use should the report lead with?",
        help_text="The primary outcome, in the year after each person started. It is fixed before the analysis.",
        error_messages={"required": "Select the hospital use the report should lead with"},
    )  # fmt: skip
    primary_measure = forms.ChoiceField(
        choices=Measure.choices, widget=forms.RadioSelect, label="How should it be counted?",
        error_messages={"required": "Select how the hospital use should be counted"},
    )  # fmt: skip
    minimal_important_difference = forms.DecimalField(
        required=False, max_digits=6, decimal_places=1, min_value=0.1,
        label="The smallest difference per 100 people that would matter to you (optional)",
        help_text="For example, 5 means 5 fewer per 100 people. The report can then say whether it rules this out.",
        error_messages={"invalid": "Enter the difference as a number, like 5 or 2.5",
                        "min_value": "Enter a difference greater than 0",
                        "max_digits": "Enter a difference of 99,999.9 or less",
                        "max_decimal_places": "Enter the difference with at most one decimal place, like 2.5"},
    )  # fmt: skip
    lawful_basis = forms.ChoiceField(
        choices=LawfulBasis.choices, widget=forms.RadioSelect,
        label="Your lawful basis for sharing people's details with the lab",
        error_messages={"required": "Select your lawful basis for sharing people's details"},
    )  # fmt: skip
    special_category_condition = forms.ChoiceField(
        choices=SpecialCategoryCondition.choices, widget=forms.RadioSelect,
        label="Your condition for sharing health information",
        help_text="Health information is special category data: sharing it needs a condition as well as a basis.",
        error_messages={"required": "Select your condition for sharing health information"},
    )  # fmt: skip
    privacy_notice_confirmed = forms.BooleanField(
        required=False,
        label="The people helped were told, in a privacy notice, that their details may be shared with the lab",
        help_text="You can save a draft without this, but not submit it.",
    )

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = Organisation.objects.of_member(user).order_by("name")
        self.only_organisation = own.first() if editing or own.count() == 1 else None
        if editing or self.only_organisation is not None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = own  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("delivery_start"), data.get("delivery_end")
        if start and end and end < start:
            self.add_error("delivery_end", messages.DELIVERY_ORDER)
        return data

    def chosen_organisation(self) -> Organisation:
        chosen = self.cleaned_data.get("organisation") or self.only_organisation
        assert chosen is not None  # noqa: S101 - the view shows the form only to an organisation's people
        return chosen

    def application(self) -> dict[str, Any]:
        """The answers as the services take them."""
        return {name: self.cleaned_data[name] for name in APPLICATION_FIELDS}


def application_initial(request: DataLabRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in APPLICATION_FIELDS}


class AgreementForm(forms.Form):
    signatory_name = forms.CharField(
        max_length=200, label="Full name of the person signing",
        error_messages={"required": messages.SIGNATORY_REQUIRED},
    )  # fmt: skip
    signatory_role = forms.CharField(
        max_length=200, label="Their job title", error_messages={"required": messages.SIGNATORY_ROLE_REQUIRED}
    )
    accepted = forms.BooleanField(error_messages={"required": messages.AGREEMENT_NOT_CONFIRMED})

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accepted"].label = messages.AGREEMENT_ACCEPT.format(organisation=organisation.name)


class UploadForm(forms.Form):
    cohort = forms.FileField(
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}), label="Your cohort file",
        help_text="A CSV or XLSX file with the template's columns, one row per person.",
        error_messages={"required": messages.UPLOAD_REQUIRED, "empty": messages.UPLOAD_EMPTY,
                        "invalid": messages.UPLOAD_REQUIRED, "missing": messages.UPLOAD_REQUIRED},
    )  # fmt: skip


class StepForm(forms.Form):
    """One step on a request: its reason where the step needs one, the analyst and checker for opening the upload."""

    def __init__(self, *args: Any, step: Step, analysts: Any = None, checkers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if step == Step.OPEN_UPLOAD:
            self.fields["analyst"] = PersonField(
                queryset=analysts, label="Analyst", empty_label="Select the analyst",
                error_messages={"required": messages.ANALYST_REQUIRED, "invalid_choice": messages.ANALYST_REQUIRED},
            )  # fmt: skip
            self.fields["output_checker"] = PersonField(
                queryset=checkers, label="Output checker", empty_label="Select the output checker",
                help_text="A different person from the analyst: they check every output before it leaves the lab.",
                error_messages={"required": messages.CHECKER_REQUIRED, "invalid_choice": messages.CHECKER_REQUIRED},
            )  # fmt: skip
        if step in REASON_REQUIRED:
            self.fields["reason"] = forms.CharField(
                widget=forms.Textarea, max_length=2000, label=messages.REASON_LABELS.get(step, messages.REASON_LABEL),
                error_messages={"required": messages.REASON_REQUIRED,
                                "max_length": "The reason must be 2,000 characters or fewer"},
            )  # fmt: skip


class OutputCheckForm(forms.Form):
    """The output checker's decision on a run: approve or send back, with reasons either way."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve the output: it may leave the lab"),
                 ("return", "Send it back to the analyst")],
        widget=forms.RadioSelect, label="Your decision",
        error_messages={"required": messages.CHECK_DECISION_REQUIRED,
                        "invalid_choice": messages.CHECK_DECISION_REQUIRED},
    )  # fmt: skip
    reason = forms.CharField(
        widget=forms.Textarea, max_length=2000, label="Your reasons",
        help_text="What you checked, or what must change before the output can leave the lab.",
        error_messages={"required": messages.REASON_REQUIRED,
                        "max_length": "The reasons must be 2,000 characters or fewer"},
    )  # fmt: skip


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any state"), *RequestState.choices], required=False, label="State",
        error_messages={"invalid_choice": messages.FILTER_STATE_INVALID},
    )  # fmt: skip
    waiting = forms.BooleanField(required=False, label="Only the requests waiting for me")
