"""Topic network pages: the public list and network pages, lesson search, and the leads' forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from releases.forms import apply_service_errors, flash_outcome

from . import forms as network_forms
from . import messages, selectors, services
from .choices import PlanStatus
from .models import ActionItem, ActionPlan, TopicNetwork


def network_list(request: HttpRequest) -> HttpResponse:
    return render(request, "networks/list.html", {"summaries": selectors.network_summaries(timezone.localdate())})


def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(TopicNetwork.objects.prefetch_related("leads", "member_producers"), slug=slug)
    today = timezone.localdate()
    plan = selectors.published_plan(network)
    drafts = list(
        network.plans.visible_to(request.user).filter(status=PlanStatus.DRAFT).prefetch_related("items__updates")
    )
    context = {
        "network": network,
        "plan": plan,
        "summary": selectors.network_summary(network, today),
        "earlier_plans": list(selectors.earlier_plans(network)),
        "plan_history": selectors.plan_public_history(plan) if plan else [],
        "drafts": drafts,
        "today": today,
        "releases": selectors.network_upcoming_releases(network, today),
        "lessons": network.lessons.all()[:20],
        "activities": selectors.network_activities(network)[:20],
        "can_edit": services.network_can_edit(request.user, network),
    }
    return render(request, "networks/detail.html", context)


def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One plan on its own page: the current plan, an earlier (superseded) one, or a draft for the network's people,
    with every action, every progress update and the public changes."""
    network = get_object_or_404(TopicNetwork, slug=slug)
    plan = selectors.plan_for_page(network, pk, request.user)
    if plan is None:
        raise Http404
    context = {
        "network": network,
        "plan": plan,
        "plan_history": selectors.plan_public_history(plan),
        "today": timezone.localdate(),
        "can_edit": services.network_can_edit(request.user, network),
    }
    return render(request, "networks/plan.html", context)


def lesson_search(request: HttpRequest) -> HttpResponse:
    form = network_forms.LessonSearchForm(request.GET)
    if not form.is_valid():
        page = Paginator(selectors.lessons_search().none(), 20).get_page(1)
        context = {"page": page, "q": request.GET.get("q", "").replace("\x00", "")[:200], "form": form}
        return render(request, "networks/lessons.html", {**context, "query": {}}, status=400)
    query = form.cleaned_data["q"][:200]
    page = Paginator(selectors.lessons_search(query), 20).get_page(request.GET.get("page"))
    return render(request, "networks/lessons.html", {"page": page, "q": query, "query": request.GET.copy(),
                                                     "form": form})  # fmt: skip


def _form_page(
    request: HttpRequest, network: TopicNetwork, form: forms.Form, *, title: str, action: Callable[[], Any], done: str
) -> HttpResponse:
    if not services.network_can_edit(request.user, network):
        raise PermissionDenied(messages.NOT_LEAD.format(network=network))
    if request.method == "POST" and form.is_valid():
        try:
            action()
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            flash.success(request, done)
            return redirect("networks:detail", slug=network.slug)
    return render(request, "networks/form.html", {"network": network, "form": form, "title": title})


def _network_record_page(
    request: HttpRequest, slug: str, form_class: type[forms.Form], *, title: str, done: str, service: Callable[..., Any]
) -> HttpResponse:
    """A form that adds one record to a network (a plan, a lesson, an activity) through its service."""
    network = get_object_or_404(TopicNetwork, slug=slug)
    form = form_class(request.POST or None)
    return _form_page(
        request,
        network,
        form,
        title=title,
        done=done,
        action=lambda: service(actor=request.user, network=network, **form.cleaned_data),
    )


@login_required
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _network_record_page(
        request, slug, network_forms.PlanForm,
        title="Start an action plan", done="The draft plan was created.", service=services.plan_create,
    )  # fmt: skip


@login_required
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(ActionPlan.objects.select_related("network"), pk=pk)
    form = network_forms.ItemForm(request.POST or None)
    return _form_page(
        request,
        plan.network,
        form,
        title=f"Add an action to {plan.title}",
        done="The action was added.",
        action=lambda: services.item_create(actor=request.user, plan=plan, **form.cleaned_data),
    )


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(ActionPlan.objects.select_related("network"), pk=pk)
    form = network_forms.PlanEditForm(request.POST or None, initial={"title": plan.title, "summary": plan.summary})
    return _form_page(
        request,
        plan.network,
        form,
        title=f"Change {plan.title}",
        done="The plan was changed.",
        action=lambda: services.plan_update(actor=request.user, plan=plan, **form.cleaned_data),
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("plan__network"), pk=pk)
    initial = {
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "due_on": item.due_on,
        "goal": item.goal,
    }
    form = network_forms.ItemEditForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        item.plan.network,
        form,
        title=f"Change {item.title}",
        done="The action was changed.",
        action=lambda: services.item_update(actor=request.user, item=item, **form.cleaned_data),
    )


@login_required
def update_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("plan__network"), pk=pk)
    form = network_forms.UpdateForm(request.POST or None, initial={"status": item.status, "rag": item.rag})
    return _form_page(
        request,
        item.plan.network,
        form,
        title=f"Progress on {item.title}",
        done="The progress update was recorded.",
        action=lambda: services.progress_update_add(actor=request.user, item=item, **form.cleaned_data),
    )


@login_required
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing asks first: a page that says what will happen (the current plan becomes superseded); only a POST
    with ``confirm=yes`` publishes."""
    plan = get_object_or_404(ActionPlan.objects.visible_to(request.user).select_related("network"), pk=pk)
    if not services.network_can_edit(request.user, plan.network):
        raise PermissionDenied(messages.NOT_LEAD.format(network=plan.network))
    if plan.status != PlanStatus.DRAFT:
        flash.error(request, messages.ALREADY_PUBLISHED)
        return redirect(plan)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            flash_outcome(request, lambda: services.plan_publish(actor=request.user, plan=plan),
                          "The plan is published. Changes from now on are shown publicly.")  # fmt: skip
            return redirect("networks:detail", slug=plan.network.slug)
        error = messages.PUBLISH_NOT_CONFIRMED
    context = {"plan": plan, "network": plan.network, "current": selectors.published_plan(plan.network),
               "error": error}  # fmt: skip
    return render(request, "networks/publish.html", context)


@login_required
def lesson_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _network_record_page(
        request, slug, network_forms.LessonForm,
        title="Share a lesson or good practice", done="The lesson was shared.", service=services.lesson_record,
    )  # fmt: skip


@login_required
def activity_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _network_record_page(
        request, slug, network_forms.ActivityForm,
        title="Record an engagement activity", done="The activity was recorded.", service=services.activity_record,
    )  # fmt: skip
