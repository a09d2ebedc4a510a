"""Forms of the progress pages: choosing a quarter and a breakdown, drafting, commentary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from . import messages
from .choices import Breakdown
from .quarters import Quarter

QUARTERS_OFFERED = 12


def quarter_choices(*, ended_only: bool = False) -> list[tuple[str, str]]:
    current = Quarter.containing(timezone.now())
    latest = current.previous() if ended_only else current
    return [(q.key, q.label) for q in reversed(latest.last(QUARTERS_OFFERED))]


class FigureFilterForm(forms.Form):
    quarter = forms.ChoiceField(label="Quarter", required=False,
                                error_messages={"invalid_choice": messages.BAD_QUARTER})  # fmt: skip
    breakdown = forms.ChoiceField(label="Break down", choices=Breakdown.choices, required=False,
                                  error_messages={"invalid_choice": messages.BAD_BREAKDOWN})  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices()  # type: ignore[attr-defined]

    def chosen(self) -> tuple[Quarter, str]:
        """The quarter and breakdown asked for; the current quarter and none for anything missing or wrong."""
        quarter = Quarter.containing(timezone.now())
        breakdown: str = Breakdown.NONE
        if self.is_bound and self.is_valid():
            quarter = Quarter.parse(self.cleaned_data["quarter"] or "") or quarter
            breakdown = self.cleaned_data["breakdown"] or Breakdown.NONE
        return quarter, breakdown


class DraftForm(forms.Form):
    quarter = forms.ChoiceField(label="Quarter", error_messages={"invalid_choice": messages.BAD_QUARTER,
                                                                 "required": messages.BAD_QUARTER})  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices(ended_only=True)  # type: ignore[attr-defined]


class CommentaryForm(forms.Form):
    commentary = forms.CharField(label="Commentary", required=False, max_length=20_000,
                                 widget=forms.Textarea(attrs={"rows": 10}),
                                 help_text="What the figures show, what changed and what the EHSSG will do next. "
                                           "Leave a blank line between paragraphs.")  # fmt: skip
