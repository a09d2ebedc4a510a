"""The flags pages: what the engines found, for network leads, producers, the secretariat and OSR, and settling it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ehssg.roles import roles_of
from networks.models import TopicNetwork
from releases.forms import apply_service_errors

from .choices import UNSETTLED_STATUSES, FlagKind, FlagStatus
from .flagging import (
    flag_acknowledge,
    flag_can_settle,
    flag_confirm_duplicate,
    flag_dismiss,
    flag_mark_coordinated,
    flag_resolve,
)
from .models import Flag

ACTIONS = {
    "acknowledge": "Acknowledge",
    "resolve": "Resolve",
    "dismiss": "Dismiss",
    "coordinated": "Mark as coordinated",
    "duplicate": "Confirm as a duplicate",
}


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("unsettled", "Open or acknowledged"), *FlagStatus.choices, ("all", "Any status")], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *FlagKind.choices], required=False)
    network = forms.ModelChoiceField(
        queryset=TopicNetwork.objects.all(), required=False, to_field_name="slug", empty_label="Any network"
    )


class SettleForm(forms.Form):
    action = forms.ChoiceField(choices=list(ACTIONS.items()), widget=forms.RadioSelect,
                               error_messages={"required": "Select what to do"})  # fmt: skip
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             label="What was done, or why this is not a problem")  # fmt: skip
    withdraw = forms.TypedChoiceField(coerce=int, required=False, label="Release to withdraw",
                                      widget=forms.RadioSelect)  # fmt: skip

    def __init__(self, *args: Any, flag: Flag, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = ["acknowledge", "resolve", "dismiss"]
        if flag.kind == FlagKind.CLASH:
            actions.append("coordinated")
        if flag.kind == FlagKind.DUPLICATE:
            actions.append("duplicate")
            withdraw = self.fields["withdraw"]
            assert isinstance(withdraw, forms.TypedChoiceField)  # noqa: S101 - declared just above
            withdraw.choices = [(r.pk, f"{r.title} ({r.lead_producer})") for r in flag.releases.all()]
        else:
            del self.fields["withdraw"]
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)  # noqa: S101 - declared just above
        action.choices = [(a, ACTIONS[a]) for a in actions]


def _readers_only(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if not (roles.producer_ids or roles.lead_of or roles.secretariat or roles.osr or roles.member_of):
        raise PermissionDenied("The flags are for producers, topic networks, the EHSSG secretariat and OSR.")


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    form = FlagFilterForm(request.GET or None)
    # The list shows each flag's own words, never its releases: loading them was most of the page's queries' time.
    flags = Flag.objects.select_related("network")
    status = "unsettled"
    if form.is_valid():
        status = form.cleaned_data["status"] or "unsettled"
        if form.cleaned_data["kind"]:
            flags = flags.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["network"]:
            flags = flags.filter(network=form.cleaned_data["network"])
    if status == "unsettled":
        flags = flags.filter(status__in=UNSETTLED_STATUSES)
    elif status != "all":
        flags = flags.filter(status=status)
    page = Paginator(flags.order_by("-severity", "-raised_at", "pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "flags/list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _readers_only(request)
    flag = get_object_or_404(Flag.objects.select_related("network", "series", "settled_by"), pk=pk)
    can_settle = flag_can_settle(request.user, flag)
    form = SettleForm(request.POST or None, flag=flag)
    if request.method == "POST":
        if not can_settle:
            raise PermissionDenied("Only the producers concerned, the network lead and the secretariat settle flags.")
        if form.is_valid():
            try:
                _settle(request, flag, form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                flash.success(request, "The flag was updated.")
                return redirect("flag-detail", pk=flag.pk)
    history = list(flag.history.select_related("history_user")[:30])
    return render(request, "flags/detail.html", {"flag": flag, "form": form, "can_settle": can_settle,
                                                 "history": history})  # fmt: skip


def _settle(request: HttpRequest, flag: Flag, data: dict[str, Any]) -> None:
    action, reason = data["action"], data.get("reason", "")
    if action == "acknowledge":
        flag_acknowledge(actor=request.user, flag=flag, note=reason)
    elif action == "resolve":
        flag_resolve(actor=request.user, flag=flag, reason=reason)
    elif action == "dismiss":
        flag_dismiss(actor=request.user, flag=flag, reason=reason)
    elif action == "coordinated":
        flag_mark_coordinated(actor=request.user, flag=flag, reason=reason)
    elif action == "duplicate":
        withdraw_id = data.get("withdraw")
        withdraw = flag.releases.filter(pk=int(withdraw_id)).first() if withdraw_id else None
        if withdraw is None:
            raise ValidationError({"withdraw": "Choose the release to withdraw"})
        flag_confirm_duplicate(actor=request.user, flag=flag, withdraw=withdraw, reason=reason)
