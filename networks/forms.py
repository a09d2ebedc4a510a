"""Forms for network leads: they check the shape of input and hand it to networks/services.py."""

from django import forms

from releases.forms import DateField

from . import messages
from .choices import ActivityKind, Goal, ItemStatus, Rag


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ItemForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.CharField(max_length=200, error_messages={"required": "Enter who owns this action"})
    due_on = DateField(label="Due date")
    goal = forms.ChoiceField(
        choices=Goal.choices,
        widget=forms.RadioSelect,
        label="EHSSG goal it serves",
        error_messages={"required": "Select the goal it serves"},
    )


class ReasonField(forms.CharField):
    """Why a record changed: once a plan is published, the reason is shown publicly with the change."""

    def __init__(self) -> None:
        super().__init__(
            max_length=300,
            label="Reason for the change",
            help_text="Shown publicly with the change once the plan is published",
            error_messages={"required": "Enter the reason for the change"},
        )


class PlanEditForm(PlanForm):
    reason = ReasonField()


class ItemEditForm(ItemForm):
    reason = ReasonField()


class UpdateForm(forms.Form):
    status = forms.ChoiceField(
        choices=ItemStatus.choices, widget=forms.RadioSelect, error_messages={"required": "Select the status"}
    )
    rag = forms.ChoiceField(
        choices=Rag.choices,
        widget=forms.RadioSelect,
        label="RAG rating",
        error_messages={"required": "Select a RAG rating"},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Progress note",
        error_messages={"required": "Enter a progress note"},
    )
    written_on = DateField(label="Date of the update", required=False)


class LessonSearchForm(forms.Form):
    """The lessons search box: words, nothing a database cannot search for (a NUL is refused, not a 500)."""

    q = forms.CharField(
        required=False, strip=True, error_messages={"null_characters_not_allowed": messages.SEARCH_NOT_TEXT}
    )


class LessonForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Lesson or good practice",
        error_messages={"required": "Enter the lesson"},
    )
    tags = forms.CharField(
        max_length=300, required=False, help_text="Separate tags with commas, for example: dates, definitions"
    )


class ActivityForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    kind = forms.ChoiceField(
        choices=ActivityKind.choices,
        widget=forms.RadioSelect,
        label="Kind of activity",
        error_messages={"required": "Select the kind of activity"},
    )
    held_on = DateField(label="Date held")
    people_reached = forms.IntegerField(
        min_value=0,
        max_value=10_000_000,
        label="People reached",
        error_messages={
            "required": "Enter the number of people reached",
            "invalid": "Enter the number of people reached, like 40",
            "min_value": "Enter the number of people reached, 0 or more",
        },
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "Enter a summary of the activity"}
    )
