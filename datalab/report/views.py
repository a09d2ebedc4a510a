"""The report's pages: the report (HTML and PDF), the public catalogue, the organisation's factual review and the
lab's scheduling. Thin: the selectors decide who reads what, the services hold every rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from ehssg.forms import apply_errors
from releases.schedule import LONDON, format_day

from .. import messages, services
from .. import selectors as lab_selectors
from ..choices import Outcome, RequestState
from ..states import Actor, Step
from ..views import lab_page
from . import forms, pdf, selectors, words


def _context(page: selectors.ReportPage) -> dict[str, Any]:
    return {"page": page, "view": page.view, "lab_request": page.request, "words": words}


def _private(response: HttpResponse, page: selectors.ReportPage) -> HttpResponse:
    """An unpublished report is never kept by a shared cache or the browser's history."""
    if not page.published:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def report(request: HttpRequest, reference: str) -> HttpResponse:
    page = selectors.report_page(request.user, reference, now=timezone.now())
    return _private(render(request, "datalab/report.html", _context(page)), page)


@require_GET
def report_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    page = selectors.report_page(request.user, reference, now=timezone.now())
    html = render_to_string("datalab/report_pdf.html", _context(page), request=request)
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="health-data-lab-{reference.lower()}.pdf"'
    return _private(response, page)


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    everything = selectors.catalogue()
    form = forms.CatalogueForm(request.GET, organisations=everything.organisations)
    valid = form.is_valid()
    chosen = form.cleaned_data if valid else {}
    found = selectors.catalogue(organisation=chosen.get("organisation", ""), outcome=chosen.get("outcome", ""),
                                measure=chosen.get("measure", "")) if chosen else everything  # fmt: skip
    context = {"catalogue": found, "form": form, "outcome_names": dict(Outcome.choices),
               "outcome_name": str(dict(Outcome.choices)[found.outcome])}  # fmt: skip
    return render(request, "datalab/reports.html", context, status=200 if valid else 400)


@lab_page
def factual_review(request: HttpRequest, reference: str) -> HttpResponse:
    """The organisation corrects its programme's description (and only that) during the factual review."""
    lab_request = lab_selectors.visible_request(request.user, reference)
    if lab_request.state != RequestState.FACTUAL_REVIEW or Actor.CHARITY not in services.actors_for(
        request.user, lab_request
    ):
        raise PermissionDenied(words.NOT_IN_REVIEW.format(state=lab_request.get_state_display().lower()))
    initial = {"text": lab_request.programme_description}
    form = forms.DescriptionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_programme_description(lab_request, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash.success(request, words.DESCRIPTION_CORRECTED)
            return redirect("datalab:report", reference=reference)
    return render(request, "datalab/factual_review.html", {"lab_request": lab_request, "form": form})


@lab_page
def schedule(request: HttpRequest, reference: str) -> HttpResponse:
    """The lab (or the secretariat) chooses the publication date after the factual review."""
    lab_request = lab_selectors.visible_request(request.user, reference)
    if Step.SCHEDULE not in {t.step for t in services.steps_for(request.user, lab_request)}:
        raise PermissionDenied(messages.STEP_NOT_YOURS.format(step=str(Step.SCHEDULE.label).lower()))
    form = forms.ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.schedule_report(lab_request, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            assert made.release.release_at is not None  # noqa: S101 - an exact release
            day = made.release.release_at.astimezone(LONDON).date()
            flash.success(request, words.SCHEDULED.format(day=format_day(day)))
            return redirect(lab_request)
    return render(request, "datalab/schedule.html", {"lab_request": lab_request, "form": form,
                                                     "notice_days": services._notice_days()})  # fmt: skip
