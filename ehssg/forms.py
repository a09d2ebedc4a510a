"""Form pieces every app's pages share: the GOV.UK date input, and a service's refusal shown on a form or as a flash.

They know no app (the lab's pages stand on the project package only, docs/architecture.md "Dependencies").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class DateWidget(forms.MultiWidget):
    """Day, month and year boxes (GOV.UK date input); ``with_day=False`` for a month and year only."""

    def __init__(self, with_day: bool = True) -> None:
        parts: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(),
            "month": forms.TextInput(),
            "year": forms.TextInput(),
        }
        if not with_day:
            del parts["day"]
        self.with_day = with_day
        super().__init__(parts)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year] if self.with_day else [value.month, value.year]
        return [None, None, None] if self.with_day else [None, None]


class DateField(forms.MultiValueField):
    """A real date from GOV.UK day/month/year boxes, with GOV.UK error messages."""

    widget: DateWidget

    def __init__(self, *, label: str, with_day: bool = True, required: bool = True, **kwargs: Any) -> None:
        self.with_day = with_day
        self.field_label = label
        fields = [forms.CharField(required=False) for _ in range(3 if with_day else 2)]
        super().__init__(
            fields, label=label, required=required, require_all_fields=False, widget=DateWidget(with_day), **kwargs
        )

    def clean(self, value: Any) -> date | None:
        parts = [str(v).strip() if v is not None else "" for v in (value or [])]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {self.field_label.lower()}", code="required")
            return None
        names = ["day", "month", "year"] if self.with_day else ["month", "year"]
        missing = [name for name, part in zip(names, parts, strict=False) if not part]
        if missing:
            raise ValidationError(f"{self.field_label} must include a {' and '.join(missing)}", code="incomplete")
        try:
            numbers = [int(p) for p in parts]
            day = numbers[0] if self.with_day else 1
            month, year = numbers[-2], numbers[-1]
            if year < 1900 or year > 2100:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"{self.field_label} must be a real date", code="invalid") from None

    def compress(self, data_list: Any) -> Any:  # clean() does the work
        return data_list


def apply_errors(form: forms.Form, error: ValidationError, *, mapping: Mapping[str, str] | None = None) -> None:
    """Show a service's refusal on the form: field errors beside their fields (a service's field name ``mapping``
    to the form's where they differ), the rest in the summary."""
    mapping = mapping or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = mapping.get(field, field)
            for message in errors:
                form.add_error(target if target in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def flash_outcome(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    """Run a one-button service call (no form to show errors on): a refusal becomes error messages, success says
    ``done``. True when the service did it."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
        return False
    flash.success(request, done)
    return True

