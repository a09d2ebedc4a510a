"""The Jinja2 environment for pages: our templates, then the GOV.UK Frontend component macros."""

from typing import Any, cast

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from releases.schedule import LONDON, format_day, format_time

from .navigation import landing_url, navigation


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def london(value: Any) -> Any:
    return value.astimezone(LONDON) if value is not None else None


def govuk_date(value: Any) -> str:
    """A date or datetime the GOV.UK way: "20 January 2027", "20 January 2027 9:30am"."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        local = value.astimezone(LONDON)
        return f"{format_day(local.date())} {format_time(local.time())}"
    return format_day(value)


def release_when(release: Any) -> str:
    """When a release is due, the GOV.UK way: "20 January 2027 9:30am (confirmed)", "January 2027 (provisional)"."""
    from releases.schedule import Schedule, display_date

    return display_date(Schedule.of(release), release.state)


def person_name(user: Any) -> str:
    """A person as the public reads them: their full name, or their user name where none is recorded."""
    return user.get_full_name() or user.username


def field_kind(bound: Any) -> str:
    """Which GOV.UK component renders a Django form field."""
    from django import forms

    from .forms import DateWidget

    widget = bound.field.widget
    if isinstance(widget, DateWidget):
        return "date" if widget.with_day else "month"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.EmailInput):
        return "email"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "text"


def field_choices(bound: Any) -> list[dict[str, Any]]:
    """Choices of a select, radios or checkboxes field, with what is currently chosen."""
    value = bound.value()
    if isinstance(value, list | tuple):
        chosen = {str(v) for v in value}
    else:
        chosen = {str(value)} if value is not None else set()
    return [
        {
            "value": str(choice_value),
            "text": str(label),
            "checked": str(choice_value) in chosen,
            "selected": str(choice_value) in chosen,
        }
        for choice_value, label in bound.field.choices
    ]


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is on, set just above
    if loader is None:
        from django.conf import settings

        template_dirs = cast(list[Any], settings.TEMPLATES[0]["DIRS"])
        loader = FileSystemLoader([str(d) for d in template_dirs])
    components = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    env.loader = ChoiceLoader([loader, components])
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": get_messages,
            "now": timezone.now,
            "field_kind": field_kind,
            "field_choices": field_choices,
            "release_when": release_when,
            "navigation": navigation,
            "landing_url": landing_url,
        }
    )
    env.filters.update({"london": london, "govuk_date": govuk_date, "person_name": person_name})
    return env
