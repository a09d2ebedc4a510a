"""The Jinja2 environment for pages: our templates, then the GOV.UK Frontend component macros."""

from typing import Any, cast

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from releases.schedule import LONDON, format_day, format_time


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


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is on, set just above
    if loader is None:
        from django.conf import settings

        template_dirs = cast(list[Any], settings.TEMPLATES[0]["DIRS"])
        loader = FileSystemLoader([str(d) for d in template_dirs])
    env.loader = ChoiceLoader([loader, PackageLoader("govuk_frontend_jinja", "templates")])
    env.globals.update(
        {"url": url, "static": static, "get_messages": get_messages, "now": timezone.now}
    )
    env.filters.update({"london": london, "govuk_date": govuk_date})
    return env
