"""The Health Data Lab's pages: the public page, an organisation's requests and the lab's queue, the application,
the status tracker, the agreement, the cohort upload, the steps, the analysis runs, the output check and the audit
trail.

Thin: each view finds the request through ``selectors.visible_request`` (another organisation's request is the same
404 as a missing one), parses input with datalab/forms.py and calls one service; the services hold every rule and
their refusals come back onto the form. Every page under /data-lab/requests/ needs a signed-in person of an
organisation or of the lab (``Roles.reads_lab_requests``); anyone else gets a 403 that says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from ehssg.forms import apply_errors
from ehssg.roles import roles_of

from . import agreement, cohort_file, messages, selectors, services, turnaround
from . import forms as lab_forms
from .choices import RequestState
from .models import DataLabRequest, RunStatus
from .report import selectors as report_selectors
from .states import REASON_REQUIRED, Step
from .uploads import MemoryOnlyUploadHandler

log = logging.getLogger(__name__)
PER_PAGE = 25
CSV_TEMPLATE_NAME = "health-data-lab-cohort-template.csv"
XLSX_TEMPLATE_NAME = "health-data-lab-cohort-template.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The step page's service for each step a person takes there (the submission and the agreement have pages of their
# own; steps the lab's systems take, and part 2's, have no page).
STEP_SERVICES: dict[Step, Callable[..., Any]] = {
    Step.CHECK_ELIGIBILITY: services.request_check_eligibility,
    Step.REFUSE_ELIGIBILITY: services.request_refuse_eligibility,
    Step.OPEN_UPLOAD: services.request_open_upload,
    Step.REPLACE_COHORT: services.request_replace_cohort,
    Step.MARK_FEASIBLE: services.request_mark_feasible,
    Step.MARK_NOT_FEASIBLE: services.request_mark_not_feasible,
    Step.LOCK_PROTOCOL: services.request_lock_protocol,
    Step.WITHDRAW: services.request_withdraw,
    Step.CLOSE: services.request_close,
    Step.START_REVIEW: lambda *, actor, request, **given: services.start_review(request, by=actor, **given),
}
STEP_PAGES = {Step.SUBMIT: "datalab:request-submit", Step.SIGN_AGREEMENT: "datalab:agreement",
              Step.SCHEDULE: "datalab:schedule"}  # fmt: skip
# Steps that end or turn a request down: their buttons are red (GOV.UK warning buttons).
ENDING_STEPS = {Step.REFUSE_ELIGIBILITY, Step.MARK_NOT_FEASIBLE, Step.WITHDRAW, Step.CLOSE}


class UploadFailed(Exception):
    """An upload that failed for a reason other than the file's contents, said without any of them."""


def lab_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the sign-in page), and a person of an organisation or of the lab (else a clear 403)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles_of(request.user).reads_lab_requests:
            raise PermissionDenied(f"{messages.NO_LAB_ACCESS} {messages.NO_LAB_ACCESS_WHY}")
        return view(request, *args, **kwargs)

    return wrapped


def _label(step: Step) -> str:
    return str(step.label).lower()


def _plural(message: str, **count: int) -> str:
    """A message with one count in it and an ``{s}`` for its plural."""
    (number,) = count.values()
    return message.format(**count, s="" if number == 1 else "s")


def _problems(total: int) -> str:
    count = messages.COHORT_PROBLEM if total == 1 else messages.COHORT_PROBLEMS.format(count=f"{total:,}")
    return messages.UPLOAD_PROBLEMS.format(count=count)


def _link_days() -> str:
    """How long the lab takes to link an upload, as the tracker counts it ("5 working days")."""
    return turnaround.working_days_text(turnaround.turnaround_days()[RequestState.LINKED])


def _max_size() -> str:
    """The upload limit as the cohort file's own refusal words it ("10 MB")."""
    return cohort_file._size(settings.DATALAB_MAX_UPLOAD_BYTES)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def home(request: HttpRequest) -> HttpResponse:
    """What the lab is and how to apply: public, and nothing about any request."""
    roles = roles_of(request.user)
    context = {
        "min_people": settings.DATALAB_MIN_PEOPLE,
        "is_member": bool(roles.charity_of),
        "reads_requests": roles.reads_lab_requests,
        "turnaround": turnaround.summary_text(),
    }
    return render(request, "datalab/home.html", context)


def template_csv(request: HttpRequest) -> HttpResponse:
    return _download(cohort_file.template_csv(), "text/csv; charset=utf-8", CSV_TEMPLATE_NAME)


def template_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(cohort_file.template_xlsx(), XLSX_CONTENT_TYPE, XLSX_TEMPLATE_NAME)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@lab_page
def request_list(request: HttpRequest) -> HttpResponse:
    """The lab's queue for its staff (every submitted request, by state); an organisation's own requests for its
    people, with their status and next step."""
    form = lab_forms.QueueFilterForm(request.GET)
    valid = form.is_valid()
    state = form.cleaned_data.get("state", "") if valid else ""
    waiting = bool(form.cleaned_data.get("waiting")) if valid else False
    queue = selectors.queue(request.user, state=state, waiting=waiting, today=timezone.localdate())
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "queue": queue,
        "page": Paginator(queue.rows, PER_PAGE).get_page(request.GET.get("page")),
        "form": form,
        "state": state,
        "waiting": waiting,
        "staff": roles_of(request.user).lab_staff,
        "is_member": bool(roles_of(request.user).charity_of),
        "query": query,
    }
    return render(request, "datalab/requests.html", context, status=200 if valid else 400)


@lab_page
def request_new(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user).charity_of:
        raise PermissionDenied(messages.NEW_REQUEST_MEMBERS_ONLY)
    form = lab_forms.ApplicationForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(
                actor=request.user, organisation=form.chosen_organisation(), **form.application()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash.success(request, messages.DRAFT_SAVED)
            return redirect(created)
    return render(request, "datalab/application.html", {"form": form, "lab_request": None})


@lab_page
def request_edit(request: HttpRequest, reference: str) -> HttpResponse:
    lab_request = selectors.visible_request(request.user, reference)
    if not selectors.may_edit(request.user, lab_request):
        raise PermissionDenied(messages.ONLY_DRAFTS_EDITED)
    form = lab_forms.ApplicationForm(
        _posted(request), user=request.user, editing=True, initial=lab_forms.application_initial(lab_request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_update(actor=request.user, request=lab_request, **form.application())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash.success(request, messages.DRAFT_SAVED)
            return redirect(lab_request)
    return render(request, "datalab/application.html", {"form": form, "lab_request": lab_request})


def _actions(user: Any, page: selectors.RequestPage) -> list[dict[str, Any]]:
    """The buttons of the request page: the person's steps that have a page, editing a draft, the upload."""
    lab_request = page.request
    reference = lab_request.reference
    actions = []
    if selectors.may_edit(user, lab_request):
        actions.append({"text": "Edit the application", "href": reverse("datalab:request-edit", args=[reference]),
                        "classes": "govuk-button--secondary"})  # fmt: skip
    if page.may_upload:
        actions.append({"text": "Upload your cohort", "href": reverse("datalab:upload", args=[reference])})
    for transition in page.steps:
        step = transition.step
        if step in STEP_PAGES:
            href = reverse(STEP_PAGES[step], args=[reference])
        elif step in STEP_SERVICES:
            href = reverse("datalab:step", args=[reference, step.value])
        elif step == Step.APPROVE_OUTPUT:  # approving and sending back share the output check page
            actions.append({"text": "Check the output", "href": reverse("datalab:output-check", args=[reference])})
            continue
        else:
            continue
        actions.append({"text": str(step.label), "href": href,
                        "classes": "govuk-button--warning" if step in ENDING_STEPS else ""})  # fmt: skip
    return actions


@lab_page
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    lab_request = selectors.visible_request(request.user, reference)
    page = selectors.request_page(request.user, lab_request, today=timezone.localdate())
    context = {
        "page": page,
        "lab_request": lab_request,
        "actions": _actions(request.user, page),
        "analysis": selectors.analysis_panel(request.user, lab_request),
        "run_statuses": dict(RunStatus.choices),
        "reasons": messages.REASONS,
        "ineligible_reasons": messages.INELIGIBLE_REASONS,
        "methods": messages.LINK_METHODS,
        "min_people": settings.DATALAB_MIN_PEOPLE,
        "report": report_selectors.report_links(request.user, lab_request, now=timezone.now()),
    }
    return render(request, "datalab/request.html", context)


def _may_take(user: Any, lab_request: DataLabRequest, step: Step) -> None:
    if step not in {t.step for t in services.steps_for(user, lab_request)}:
        raise PermissionDenied(messages.STEP_NOT_YOURS.format(step=_label(step)))


@lab_page
def request_submit(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the automatic checks, the power and what happens next; POST submits (a refusal shows as the errors)."""
    lab_request = selectors.visible_request(request.user, reference)
    _may_take(request.user, lab_request, Step.SUBMIT)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.request_submit(actor=request.user, request=lab_request)
        except ValidationError as error:
            errors = error.messages
        else:
            flash.success(request, messages.SUBMITTED)
            return redirect(lab_request)
    context = {
        "lab_request": lab_request,
        "checks": services.application_checks(lab_request),
        "power": services.power_check(lab_request),
        "next_step": turnaround.next_step_text(RequestState.SUBMITTED),
        "errors": errors,
    }
    return render(request, "datalab/submit.html", context)


@lab_page
def agreement_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The versioned agreement: a form for the organisation while it is theirs to sign; afterwards, what was signed
    (for everyone who sees the request)."""
    lab_request = selectors.visible_request(request.user, reference)
    may_sign = Step.SIGN_AGREEMENT in {t.step for t in services.steps_for(request.user, lab_request)}
    signed = selectors.signed_agreement(lab_request)
    if not may_sign and (signed is None or request.method == "POST"):
        raise PermissionDenied(messages.STEP_NOT_YOURS.format(step=_label(Step.SIGN_AGREEMENT)))
    form = lab_forms.AgreementForm(_posted(request), organisation=lab_request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_sign(actor=request.user, request=lab_request, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash.success(request, messages.AGREEMENT_SIGNED)
            return redirect(lab_request)
    context = {
        "lab_request": lab_request,
        "clauses": agreement.CLAUSES,
        "version": agreement.VERSION,
        "form": form,
        "may_sign": may_sign,
        "signed": signed,
        "retention_until": agreement.retention_until(timezone.localdate()),
    }
    return render(request, "datalab/agreement.html", context)


@csrf_exempt
@sensitive_post_parameters()
@lab_page
@require_http_methods(["GET", "POST"])
def cohort_upload(request: HttpRequest, reference: str) -> HttpResponse:
    """The cohort upload. Before anything reads the body, the upload handlers become one memory-only handler with the
    lab's size limit (no temporary file is ever written; Django reads the body when CSRF is checked, so the check
    runs after, in ``_cohort_upload``: Django's documented way to change upload handlers in a view)."""
    lab_request = selectors.visible_request(request.user, reference)
    if not selectors.may_upload(request.user, lab_request):
        raise PermissionDenied(messages.NOT_YOUR_UPLOAD.format(organisation=lab_request.organisation))
    handler = MemoryOnlyUploadHandler(request, max_bytes=settings.DATALAB_MAX_UPLOAD_BYTES)
    request.upload_handlers = [handler]
    return _cohort_upload(request, lab_request, handler)


@csrf_protect
@sensitive_variables("cohort", "data", "handler")
def _cohort_upload(request: HttpRequest, lab_request: DataLabRequest, handler: MemoryOnlyUploadHandler) -> HttpResponse:
    """Parse the file through the service; its problems come back as row, column and what is wrong, never a value."""
    form = lab_forms.UploadForm(request.POST, request.FILES) if request.method == "POST" else lab_forms.UploadForm()
    problems: cohort_file.CohortFileInvalid | None = None
    failed = ""
    if request.method == "POST":
        valid = form.is_valid()
        if handler.too_large:
            form.errors.pop("cohort", None)
            form.add_error("cohort", messages.COHORT_TOO_BIG.format(size=_max_size()))
        elif len(request.FILES.getlist("cohort")) > 1:
            form.add_error("cohort", messages.UPLOAD_ONE_FILE)
        elif valid:
            cohort = form.cleaned_data["cohort"]
            data = cohort.read()
            try:
                upload = services.cohort_upload(
                    actor=request.user, request=lab_request, filename=cohort.name or "", data=data
                )
            except cohort_file.CohortFileInvalid as invalid:
                problems = invalid
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied:
                raise
            except Exception as error:  # noqa: BLE001 - said again below without the error's text (it may hold a value)
                failed = type(error).__name__
            else:
                flash.success(request, messages.UPLOAD_RECEIVED.format(rows=upload.rows, days=_link_days()))
                return redirect(lab_request)
            finally:
                del data
    if failed:
        # Outside the except block, so the error raised has no context: neither the log nor an error report can show
        # the original message or its frames' values.
        log.error("datalab cohort upload failed: %s on %s", failed, lab_request.reference)
        raise UploadFailed(messages.UPLOAD_FAILED)
    more = max(problems.total - len(problems.errors), 0) if problems else 0
    context = {
        "lab_request": lab_request,
        "form": form,
        "problems": problems,
        "problems_text": _problems(problems.total) if problems else "",
        "more_problems": more,
        "more_text": _plural(messages.UPLOAD_MORE_PROBLEMS, more=more),
        "max_size": _max_size(),
        "columns": {name: label[:1].upper() + label[1:] for name, label in cohort_file.LABELS.items()},
    }
    return render(request, "datalab/upload.html", context)


@lab_page
def step_page(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    """Any other step on a request, by its value: a confirmation, with a reason where the step needs one and the
    analyst and output checker when the upload is opened."""
    lab_request = selectors.visible_request(request.user, reference)
    try:
        chosen = Step(step)
    except ValueError:
        raise Http404 from None
    if chosen in STEP_PAGES:
        return redirect(STEP_PAGES[chosen], reference=reference)
    service = STEP_SERVICES.get(chosen)
    if service is None:
        raise Http404
    _may_take(request.user, lab_request, chosen)
    analysts, checkers = selectors.lab_team() if chosen == Step.OPEN_UPLOAD else (None, None)
    form = lab_forms.StepForm(_posted(request), step=chosen, analysts=analysts, checkers=checkers)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, request=lab_request, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash.success(request, messages.STEP_DONE.format(step=_label(chosen)))
            return redirect(lab_request)
    context = {
        "lab_request": lab_request,
        "step": chosen,
        "form": form,
        "reason_required": chosen in REASON_REQUIRED,
        "warning": messages.WITHDRAW_WARNING if chosen == Step.WITHDRAW else "",
        "ending": chosen in ENDING_STEPS,
    }
    return render(request, "datalab/step.html", context)


@lab_page
@require_http_methods(["POST"])
def run_analysis(request: HttpRequest, reference: str) -> HttpResponse:
    """The analyst's "Run the analysis" (a POST form on the request page): a new run, queued for the lab's worker."""
    lab_request = selectors.visible_request(request.user, reference)
    try:
        services.request_analysis(lab_request, by=request.user)
    except ValidationError as error:
        flash.warning(request, " ".join(error.messages))
    else:
        flash.success(request, messages.RUN_REQUESTED)
    return redirect(lab_request)


@lab_page
def output_check(request: HttpRequest, reference: str) -> HttpResponse:
    """The latest finished run's publishable tables with their automatic checks (suppressed and rounded cells and
    why, ACRO's verdict, the differencing check), for the request's analyst and output checker; the checker's
    decision (approve or send back, with reasons) while the request is analysed."""
    lab_request = selectors.visible_request(request.user, reference)
    review = selectors.output_review(request.user, lab_request)
    if review is None:
        raise PermissionDenied(messages.CHECK_CHECKER_ONLY)
    may_decide = selectors.may_check_output(request.user, lab_request)
    if request.method == "POST" and not may_decide:
        raise PermissionDenied(messages.CHECK_CHECKER_ONLY)
    form = lab_forms.OutputCheckForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        decide = services.approve_output if form.cleaned_data["decision"] == "approve" else services.return_output
        try:
            decide(lab_request, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as refused:  # the two-person rule: said on the form, nothing saved
            form.add_error(None, str(refused))
            status = 403
        else:
            approved = form.cleaned_data["decision"] == "approve"
            flash.success(request, messages.CHECK_APPROVED if approved else messages.CHECK_RETURNED)
            return redirect(lab_request)
    context = {
        "lab_request": lab_request,
        "review": review,
        "form": form,
        "may_decide": may_decide,
        "sdc_reasons": messages.SDC_REASONS,
    }
    return render(request, "datalab/output_check.html", context, status=status)


@lab_page
def audit_page(request: HttpRequest, reference: str) -> HttpResponse:
    lab_request = selectors.visible_request(request.user, reference)
    context = {
        "lab_request": lab_request,
        "trail": selectors.audit_trail(lab_request),
        "events": messages.EVENTS,
        "steps": dict(Step.choices),
        "states": dict(RequestState.choices),
        "grounds": messages.DELETION_GROUNDS,
    }
    return render(request, "datalab/audit.html", context)
