"""Progress pages: the OSR dashboard under /osr/ (not public), the secretariat's reports, and /progress/ (public).

Thin views: the figures come from ``metrics.figures`` (a fixed number of queries whatever the register's size), the
writes from ``services``; a frozen report is drawn from its stored figures, never recomputed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from coordination.models import Flag
from ehssg.roles import roles_of
from ehssg.spreadsheets import csv_download
from networks.models import ActionItem, EngagementActivity, Lesson, TopicNetwork
from releases.choices import ChangeStatus
from releases.forms import apply_service_errors
from releases.models import DateChange, Measure, Release, ReleaseSeries

from . import messages, services
from .choices import Breakdown
from .commentary import paragraphs
from .forms import CommentaryForm, DraftForm, FigureFilterForm
from .metrics import BY_KEY
from .models import ProgressReport
from .presentation import csv_rows, present, to_csv
from .quarters import Quarter
from .selectors import live_figures, live_rows

BREAKDOWN_WORDS = dict(Breakdown.choices)


def _require_reader(request: HttpRequest) -> None:
    """OSR, the secretariat, Heads of Profession and network leads."""
    roles = roles_of(request.user)
    if not (roles.osr or roles.secretariat or roles.hop_of or roles.lead_of):
        raise PermissionDenied(messages.NOT_FOR_YOU)


def _require_secretariat(request: HttpRequest) -> None:
    if not roles_of(request.user).secretariat:
        raise PermissionDenied(messages.NOT_SECRETARIAT)


def _chosen(request: HttpRequest) -> tuple[FigureFilterForm, Quarter, str]:
    form = FigureFilterForm(request.GET or None)
    quarter, breakdown = form.chosen()
    return form, quarter, breakdown


def _live(quarter: Quarter, breakdown: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
    return live_figures(quarter=quarter, breakdown=breakdown, keys=keys)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form, quarter, breakdown = _chosen(request)
    shown = []
    for entry in _live(quarter, breakdown):

        def link(row: dict[str, Any], key: str = entry["key"], refs: dict[str, bool] = entry["refs"]) -> str | None:
            if not refs.get(row["group"]) or not BY_KEY[key].refs:
                return None
            query = urlencode({"quarter": quarter.key, "group": row["group"]})
            return f"{reverse('progress:drilldown', kwargs={'key': key})}?{query}"

        item = present(entry, chart_prefix="osr", breakdown_label=BREAKDOWN_WORDS[breakdown], link=link)
        shown.append({"shown": item, "total_link": link(entry["total"]),
                      "no_breakdown_reason": entry["no_breakdown_reason"]})  # fmt: skip
    query = urlencode({"quarter": quarter.key, "breakdown": breakdown})
    return render(request, "progress/dashboard.html", {
        "form": form, "quarter": quarter, "breakdown": breakdown, "breakdown_words": BREAKDOWN_WORDS[breakdown],
        "figures": shown, "query": query, "as_of": min(timezone.now(), quarter.ends_at),
        "is_secretariat": roles_of(request.user).secretariat,
    })  # fmt: skip


@login_required
def metrics_csv(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    _form, quarter, breakdown = _chosen(request)
    key = request.GET.get("metric")
    entries = _live(quarter, breakdown, [key] if key in BY_KEY else None)
    body = to_csv(csv_rows(quarter.key, entries, breakdown=breakdown != Breakdown.NONE))
    name = f"osr-progress-{quarter.key}-{breakdown}" + (f"-{key}" if key in BY_KEY else "")
    return csv_download(body, f"{name}.csv")


@login_required
def metrics_json(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    _form, quarter, breakdown = _chosen(request)
    entries = _live(quarter, breakdown)
    for entry in entries:
        entry.pop("refs", None)
        entry.pop("no_breakdown_reason", None)
    body = {"quarter": quarter.key, "label": quarter.label, "breakdown": breakdown,
            "as_of": min(timezone.now(), quarter.ends_at).isoformat(), "metrics": entries}  # fmt: skip
    return JsonResponse(body, json_dumps_params={"indent": 1})


@login_required
def drilldown(request: HttpRequest, key: str) -> HttpResponse:
    """The releases, changes, flags or items behind one figure."""
    _require_reader(request)
    metric = BY_KEY.get(key)
    if metric is None or not metric.refs:
        raise Http404
    quarter = Quarter.parse(request.GET.get("quarter", "")) or Quarter.containing(timezone.now())
    group = request.GET.get("group", "all")
    breakdown = group.split(":", 1)[0] if ":" in group else Breakdown.NONE
    if breakdown not in metric.breakdowns:
        raise Http404
    rows = live_rows(metric_key=metric.key, quarter=quarter, breakdown=breakdown)
    row = next((r for r in rows if r.group == group), None)
    if row is None:
        raise Http404
    back = f"{reverse('progress:dashboard')}?{urlencode({'quarter': quarter.key, 'breakdown': breakdown})}"
    return render(request, "progress/drilldown.html", {
        "metric": metric, "quarter": quarter, "row": row, "back": back, "kind": metric.refs,
        "things": _things(metric.refs, list(row.refs)),
    })  # fmt: skip


def _things(kind: str, ids: list[int]) -> list[Any]:
    """The objects behind a figure, in one query."""
    if kind == "release":
        return list(Release.objects.filter(pk__in=ids).select_related("lead_producer").order_by("starts_on", "title"))
    if kind == "change":
        return list(DateChange.objects.filter(pk__in=ids, status=ChangeStatus.AGREED)
                    .select_related("release__lead_producer").order_by("decided_at"))  # fmt: skip
    if kind == "flag":
        return list(Flag.objects.filter(pk__in=ids).select_related("network").order_by("-raised_at"))
    if kind == "item":
        return list(ActionItem.objects.filter(pk__in=ids).select_related("plan__network").order_by("due_on"))
    if kind == "series":
        return list(ReleaseSeries.objects.filter(pk__in=ids).order_by("title"))
    if kind == "network":
        return list(TopicNetwork.objects.filter(pk__in=ids))
    if kind == "measure":
        return list(Measure.objects.filter(pk__in=ids))
    if kind == "lesson":
        return list(Lesson.objects.filter(pk__in=ids).select_related("network"))
    if kind == "activity":
        return list(EngagementActivity.objects.filter(pk__in=ids).select_related("network"))
    return []


# --- reports -------------------------------------------------------------------------------------------------------


def _report_figures(report: ProgressReport, breakdown: str) -> list[Any]:
    shown = []
    for entry in report.figures.get("metrics", []):
        entry = dict(entry)
        entry["breakdown"] = entry.get(f"by_{breakdown}", []) if breakdown != Breakdown.NONE else []
        shown.append(present(entry, chart_prefix="report", breakdown_label=BREAKDOWN_WORDS[breakdown]))
    return shown


def report_list(request: HttpRequest) -> HttpResponse:
    """/progress/: the issued reports (public); drafts too for the secretariat and OSR."""
    reports = ProgressReport.objects.visible_to(request.user).order_by("-quarter")
    return render(request, "progress/report_list.html", {"reports": reports})


def _chosen_breakdown(request: HttpRequest) -> str:
    breakdown = request.GET.get("breakdown", Breakdown.NONE)
    return breakdown if breakdown in BREAKDOWN_WORDS else Breakdown.NONE


def _report_page(report: ProgressReport, breakdown: str, *, issued_at: Any) -> dict[str, Any]:
    """What the public report page shows: the issued page and the preview before issuing draw the same context."""
    return {
        "report": report, "figures": _report_figures(report, breakdown), "breakdown": breakdown,
        "breakdown_words": BREAKDOWN_WORDS[breakdown], "breakdowns": Breakdown.choices,
        "paragraphs": paragraphs(report.commentary), "issued_at": issued_at,
    }  # fmt: skip


def report_detail(request: HttpRequest, quarter: str) -> HttpResponse:
    report = get_object_or_404(ProgressReport.objects.visible_to(request.user), quarter=quarter)
    context = _report_page(report, _chosen_breakdown(request), issued_at=report.issued_at)
    context["history"] = (list(report.history.select_related("history_user")[:20]) if not report.is_issued else
                          list(report.history.filter(history_change_reason="Issued to OSR")[:1]))  # fmt: skip
    return render(request, "progress/report_detail.html", context)


@login_required
def report_issue(request: HttpRequest, quarter: str) -> HttpResponse:
    """/osr/reports/<quarter>/issue/: the public page exactly as it will look, then "are you sure". A GET never
    issues; a POST issues only with ``confirm=yes`` and the digest of the version previewed."""
    _require_secretariat(request)
    report = get_object_or_404(ProgressReport, quarter=quarter)
    if report.is_issued:
        flash.error(request, messages.REPORT_ISSUED)
        return redirect(report.get_absolute_url())
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.append(messages.ISSUE_NOT_CONFIRMED)
        else:
            try:
                services.report_issue(actor=request.user, report=report,
                                      expected_digest=request.POST.get("digest", ""))  # fmt: skip
            except ValidationError as error:
                errors.extend(error.messages)
                report.refresh_from_db()
            else:
                flash.success(request, "The report was issued to OSR. It is public and can no longer change.")
                return redirect(report.get_absolute_url())
    else:
        try:
            services.report_check_issue(report)
        except ValidationError as error:
            errors.extend(error.messages)
    context = _report_page(report, _chosen_breakdown(request), issued_at=timezone.now())
    context.update({"preview": True, "errors": errors, "can_issue": bool(report.commentary.strip())})
    return render(request, "progress/report_issue.html", context)


def report_csv(request: HttpRequest, quarter: str) -> HttpResponse:
    report = get_object_or_404(ProgressReport.objects.visible_to(request.user), quarter=quarter)
    entries = []
    for entry in report.figures.get("metrics", []):
        for by in ("producer", "network"):
            entries.append({**entry, "breakdown": entry.get(f"by_{by}", [])})
    seen: set[tuple[str, str]] = set()
    rows = []
    for row in csv_rows(report.quarter, entries, breakdown=True):
        if (row[1], row[4]) not in seen:
            seen.add((row[1], row[4]))
            rows.append(row)
    return csv_download(to_csv(rows), f"ehssg-progress-{report.quarter}.csv")


def report_json(request: HttpRequest, quarter: str) -> HttpResponse:
    report = get_object_or_404(ProgressReport.objects.visible_to(request.user), quarter=quarter)
    return HttpResponse(json.dumps(report.figures, indent=1), content_type="application/json")


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    """/osr/reports/: the secretariat drafts a report for an ended quarter."""
    _require_secretariat(request)
    form = DraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        quarter = Quarter.parse(form.cleaned_data["quarter"])
        assert quarter is not None  # noqa: S101 - the choices are quarter keys
        try:
            report = services.report_draft(actor=request.user, quarter=quarter)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash.success(request, f"The report for {quarter.label} was drafted with the figures at its end.")
            return redirect("progress:manage", quarter=report.quarter)
    reports = ProgressReport.objects.order_by("-quarter")
    return render(request, "progress/manage_list.html", {"form": form, "reports": reports})


@login_required
def manage(request: HttpRequest, quarter: str) -> HttpResponse:
    """/osr/reports/<quarter>/: write the commentary of a draft, recompute its figures, go on to preview and issue."""
    _require_secretariat(request)
    report = get_object_or_404(ProgressReport, quarter=quarter)
    form = CommentaryForm(request.POST or None, initial={"commentary": report.commentary})
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        try:
            if action == "recompute":
                period = Quarter.parse(report.quarter)
                assert period is not None  # noqa: S101 - stored keys are valid
                services.report_draft(actor=request.user, quarter=period)
                flash.success(request, "The figures were recomputed as at the end of the quarter.")
            else:
                report = services.report_update_commentary(actor=request.user, report=report,
                                                           commentary=form.cleaned_data["commentary"])  # fmt: skip
                if action == "issue":
                    # Issuing is for ever: first the public page as it will look, and "are you sure".
                    services.report_check_issue(report)
                    return redirect("progress:issue", quarter=report.quarter)
                flash.success(request, "The commentary was saved.")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("progress:manage", quarter=report.quarter)
    return render(request, "progress/manage.html", {
        "report": report, "form": form, "figures": _report_figures(report, Breakdown.NONE),
    })  # fmt: skip
