"""Producer pages and the public release page. Thin: find what the user may see, parse the form, call a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ehssg.navigation import landing_url
from ehssg.roles import roles_of

from . import forms as release_forms
from . import hooks, messages, selectors, services
from .choices import ChangeStatus, State
from .models import DateChange, PreReleaseAccess, Release
from .schedule import Schedule, display_date

TITLE_ADVICE = release_forms.TITLE_ADVICE
SUMMARY_ADVICE = release_forms.SUMMARY_ADVICE


def _editable(request: HttpRequest, slug: str) -> Release:
    return get_object_or_404(Release.objects.editable_by(request.user).for_listing(), slug=slug)


def _warn(request: HttpRequest, release: Release) -> None:
    """Code of Practice warnings and what the engines found, shown on the next page (never blocking)."""
    for warning in selectors.release_schedule_warnings(release):
        flash.warning(request, warning)
    for explanation in hooks.release_warnings([release])[release.pk]:
        flash.warning(request, explanation)
    if len(release.title) > TITLE_ADVICE:
        flash.warning(request, f"The title is {len(release.title)} characters: a good title is under {TITLE_ADVICE}.")
    if len(release.summary) > SUMMARY_ADVICE:
        length = len(release.summary)
        flash.warning(request, f"The summary is {length} characters: a good summary is under {SUMMARY_ADVICE}.")


def _attempt(form: forms.Form, action: Callable[[], Any]) -> Any:
    """Run a service; show its refusal on the form instead of saving anything."""
    try:
        return action()
    except ValidationError as error:
        release_forms.apply_service_errors(form, error)
        return None


def _cannot_register(request: HttpRequest) -> HttpResponse | None:
    """People with no producer role get a page that says so, never an empty list or a form they cannot submit."""
    if roles_of(request.user).producer_ids:
        return None
    context = {"title": messages.CANNOT_REGISTER, "why": messages.CANNOT_REGISTER_WHY}
    return render(request, "producer/cannot_register.html", context, status=403)


@login_required
def release_list(request: HttpRequest) -> HttpResponse:
    refused = _cannot_register(request)
    if refused is not None:
        return refused
    form = release_forms.ReleaseListFilterForm(request.GET or None)
    mine = selectors.releases_for_user(request.user)
    chosen = form.filters()
    releases = selectors.releases_filtered(
        mine, query=chosen.get("query", ""), state=chosen.get("state", ""), need=chosen.get("need", "")
    ).annotate(
        pending_changes=Count("date_changes", filter=Q(date_changes__status=ChangeStatus.PENDING))
    )
    page = Paginator(releases, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.need_counts(mine)
    need = chosen.get("need", "")
    need_items = [{"value": "", "text": "Any release", "label": "Any release", "selected": not need}] + [
        {"value": value, "label": str(label), "count": counts[value], "text": f"{label} ({counts[value]})",
         "selected": need == value}
        for value, label in release_forms.NEED_CHOICES
    ]  # fmt: skip
    context = {"page": page, "form": form, "need_items": need_items, "query": query.urlencode(),
               "filtered": any(chosen.values()), "total": mine.count(), "Schedule": Schedule,
               "no_match": messages.NO_RELEASES_MATCH}  # fmt: skip
    return render(request, "producer/release_list.html", context)


@login_required
def release_create(request: HttpRequest) -> HttpResponse:
    refused = _cannot_register(request)
    if refused is not None:
        return refused
    user: Any = request.user  # signed in (login_required)
    signed_in = {"lead_statistician_name": user.get_full_name(), "lead_statistician_email": user.email}
    form = release_forms.ReleaseForm(request.POST or None, user=request.user, initial=signed_in)
    if request.method == "POST" and form.is_valid():
        schedule = form.schedule()
        assert schedule is not None  # noqa: S101 - the create form always has the date part
        release = _attempt(form, lambda: services.release_create(
            actor=request.user, details=form.details(), schedule=schedule, announce="announce" in request.POST,
        ))  # fmt: skip
        if release is not None:
            outcome = "announced" if release.is_announced else "saved as a draft"
            flash.success(request, f"{release.title} was {outcome}.")
            _warn(request, release)
            return redirect("producer:release-manage", slug=release.slug)
    return render(request, "producer/release_form.html", {"form": form, "creating": True})


@login_required
def release_edit(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    is_draft = release.state == State.DRAFT
    initial = {
        **{f: getattr(release, f) for f in ("title", "summary", "designation", "reference_period_start",
                                             "reference_period_end", "geography", "lead_statistician_name",
                                             "lead_statistician_email", "market_sensitive")},  # fmt: skip
        "lead_producer": release.lead_producer,
        "series": release.series,
        "joint_producers": list(release.joint_producers.all()),
        "networks": list(release.networks.all()),
    }
    if is_draft:
        exact = release.release_at is not None
        local = release.local_release_at()
        initial.update({"timing": "exact" if exact else "window", "window_start": release.starts_on,
                        "window_months": "2" if release.precision == "two_months" else "1",
                        "release_date": local.date() if local else None,
                        "release_time": f"{local:%H:%M}" if local else "9:30am"})  # fmt: skip
    form = release_forms.ReleaseForm(request.POST or None, user=request.user, with_schedule=is_draft, initial=initial)
    if request.method == "POST" and form.is_valid():
        reason = request.POST.get("reason", "").strip() or "Details updated"
        updated = _attempt(form, lambda: services.release_update(
            actor=request.user, release=release, details=form.details(), reason=reason, schedule=form.schedule(),
        ))  # fmt: skip
        if updated is not None:
            flash.success(request, "Your changes were saved.")
            _warn(request, updated)
            return redirect("producer:release-manage", slug=release.slug)
    return render(request, "producer/release_form.html", {"form": form, "creating": False, "release": release})


@login_required
def release_manage(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    roles = roles_of(request.user)
    context = {
        "release": release,
        "wording": Schedule.of(release).wording(),
        "pending": list(release.date_changes.pending().select_related("requested_by")),
        "changes": list(release.date_changes.public().select_related("requested_by", "decided_by")),
        "access": list(release.pre_release_access.filter(is_removed=False)),
        "history": selectors.release_history(release),
        "can_publish": release.is_due(),
        # The flags the engines raised about it, through the reverse accessor: the register imports nothing of them.
        "flags": list(release.flags.order_by("status", "kind")),  # type: ignore[attr-defined]
        "is_hop": roles.is_hop_of(release.lead_producer_id),
        "State": State,
    }
    return render(request, "producer/release_manage.html", context)


@login_required
@require_POST
def release_announce(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    if release_forms.flash_outcome(
        request,
        lambda: services.release_announce(actor=request.user, release=release),
        f"{release.title} is announced.",
    ):
        release.refresh_from_db()
        _warn(request, release)
    return redirect("producer:release-manage", slug=slug)


def _action_page(
    request: HttpRequest,
    release: Release,
    form: forms.Form,
    *,
    title: str,
    button: str,
    action: Callable[[], Any],
    done: str,
    warn: bool = False,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid() and _attempt(form, action) is not None:
        flash.success(request, done)
        if warn:
            release.refresh_from_db()
            _warn(request, release)
        return redirect("producer:release-manage", slug=release.slug)
    context = {"release": release, "form": form, "title": title, "button": button,
               "display_date": display_date(Schedule.of(release), release.state)}  # fmt: skip
    return render(request, "producer/action_form.html", context)


@login_required
def release_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    form = release_forms.ConfirmForm(request.POST or None)
    return _action_page(
        request, release, form, title="Confirm the release date and time", button="Confirm date and time",
        action=lambda: services.release_confirm(actor=request.user, release=release, release_at=form.release_at()),
        done="The exact date and time are confirmed.", warn=True,
    )  # fmt: skip


@login_required
def release_request_change(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    form: release_forms.ChangeExactForm | release_forms.ChangeWindowForm
    if release.state == State.PROVISIONAL:
        form = release_forms.ChangeWindowForm(request.POST or None)
    else:
        form = release_forms.ChangeExactForm(request.POST or None)
    return _action_page(
        request, release, form, title="Ask to change the release date", button="Send to Head of Profession",
        action=lambda: services.release_request_change(
            actor=request.user, release=release, schedule=form.schedule(), reason=form.cleaned_data["reason"]
        ),
        done="Your request was sent. The date changes once your Head of Profession agrees it.",
    )  # fmt: skip


@login_required
def release_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    form = release_forms.ReasonForm(request.POST or None)
    return _action_page(
        request, release, form, title="Cancel the release", button="Cancel the release",
        action=lambda: services.release_cancel(actor=request.user, release=release, reason=form.cleaned_data["reason"]),
        done="The release is cancelled. It stays on the calendar with your reason.",
    )  # fmt: skip


@login_required
def release_publish(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    form = release_forms.PublishForm(request.POST or None)
    return _action_page(
        request, release, form, title="Mark the release as published", button="Mark as published",
        action=lambda: services.release_publish(
            actor=request.user, release=release, published_url=form.cleaned_data["published_url"]
        ),
        done="The release is marked as published.",
    )  # fmt: skip


@login_required
def access_add(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    form = release_forms.AccessForm(request.POST or None)
    return _action_page(
        request, release, form, title="Give pre-release access", button="Add to the list",
        action=lambda: services.prerelease_access_add(
            actor=request.user, release=release, recipient_role=form.cleaned_data["recipient_role"],
            organisation=form.cleaned_data["organisation"], justification=form.cleaned_data["justification"],
            access_starts_at=form.access_starts_at(),
        ),
        done="Pre-release access was recorded.",
    )  # fmt: skip


@login_required
def access_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        PreReleaseAccess.objects.filter(release__in=Release.objects.editable_by(request.user)), pk=pk
    )
    form = release_forms.ReasonForm(request.POST or None)
    return _action_page(
        request, entry.release, form, title=f"Remove {entry.recipient_role}, {entry.organisation}",
        button="Remove from the list",
        action=lambda: services.prerelease_access_remove(actor=request.user, entry=entry,
                                                         reason=form.cleaned_data["reason"]),
        done="Pre-release access was removed.",
    )  # fmt: skip


def _change(request: HttpRequest, pk: int) -> DateChange:
    return get_object_or_404(
        DateChange.objects.filter(release__in=Release.objects.editable_by(request.user)).select_related("release"),
        pk=pk,
    )


@login_required
@require_POST
def change_agree(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    if release_forms.flash_outcome(
        request,
        lambda: services.release_agree_change(actor=request.user, change=change),
        "You agreed the change. The new date is public, with the reason.",
    ):
        change.release.refresh_from_db()
        _warn(request, change.release)
    return redirect("producer:release-manage", slug=change.release.slug)


@login_required
def change_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    form = release_forms.ReasonForm(request.POST or None)
    return _action_page(
        request, change.release, form, title="Do not agree the change", button="Do not agree",
        action=lambda: services.release_refuse_change(actor=request.user, change=change,
                                                      note=form.cleaned_data["reason"]),
        done="The change was not agreed. The release keeps its date.",
    )  # fmt: skip


@login_required
@require_POST
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    release_forms.flash_outcome(
        request,
        lambda: services.release_withdraw_change(actor=request.user, change=change),
        "The change request was withdrawn.",
    )
    return redirect("producer:release-manage", slug=change.release.slug)


@login_required
@require_POST
def release_discard(request: HttpRequest, slug: str) -> HttpResponse:
    release = _editable(request, slug)
    if release_forms.flash_outcome(
        request, lambda: services.release_discard_draft(actor=request.user, release=release), "The draft was discarded."
    ):
        return redirect("producer:release-list")
    return redirect("producer:release-manage", slug=slug)


def home(request: HttpRequest) -> HttpResponse:
    """The home page; a signed-in person with work to do lands where it is instead (ehssg/navigation.py)."""
    landing = landing_url(request.user) if request.user.is_authenticated else None
    if landing and landing != request.path:
        return redirect(landing)
    return render(request, "home.html")


class SignInView(LoginView):
    """Sign in, then go to the page asked for (``next``) or, by default, where the person's work is."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


def release_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page of one release (drafts only for their producer's people)."""
    try:
        release = selectors.release_detail(request.user, slug)
    except Release.DoesNotExist:
        raise Http404("No such release") from None
    context = {
        "release": release,
        "display_date": display_date(Schedule.of(release), release.state),
        "show_access": selectors.pre_release_access_visible(release, request.user),
        "Schedule": Schedule,
    }
    return render(request, "releases/detail.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


__all__ = ["PermissionDenied"]
