"""The lists' filter backend: django-filter, refusing query parameters a list does not know.

A misspelt filter (``?prodcer=ons``) or one another list takes used to be ignored, and the answer was the whole list,
which reads as "these are the matches". Now it is a 400 in the API's error shape naming the parameter and listing the
ones the list takes, as the calendar does for a bad value. Pagination (``page``, ``page_size``), ``format`` and
``ordering`` are allowed on every list.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.settings import api_settings

from ehssg.messages import UNKNOWN_PARAMETER

ALWAYS_ALLOWED = ("format", "ordering")


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend for lists, with unknown query parameters refused (400) before anything is read."""

    def known_parameters(self, request: Request, queryset: QuerySet[Any], view: Any) -> list[str]:
        filterset_class = self.get_filterset_class(view, queryset)
        known = list(filterset_class.base_filters) if filterset_class else []
        paginator = getattr(view, "paginator", None)
        for name in ("page_query_param", "page_size_query_param"):
            if getattr(paginator, name, None):
                known.append(getattr(paginator, name))
        known.extend((api_settings.URL_FORMAT_OVERRIDE or "format", *ALWAYS_ALLOWED))
        return list(dict.fromkeys(known))

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        known = self.known_parameters(request, queryset, view)
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            takes = ", ".join(known)
            raise ValidationError({
                name: [ErrorDetail(UNKNOWN_PARAMETER.format(name=name[:60], known=takes), code="unknown_parameter")]
                for name in unknown
            })  # fmt: skip
        return super().filter_queryset(request, queryset, view)
