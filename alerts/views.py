"""Alert pages: subscribe, confirm, unsubscribe. Thin: parse input, call a service, show the result.

No account, so nothing here needs signing in. Confirm and unsubscribe pages show a button (a GET never changes
anything, so mail scanners that open links confirm or unsubscribe nobody); the unsubscribe address also takes the
RFC 8058 one-click POST a mail client sends without a CSRF token: the signed token in the address is the protection.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import messages, services, tokens
from .emails import describe_filter
from .forms import SubscribeForm


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.subscription_subscribe(
                email=data["email"], producers=list(data["producer"]), networks=list(data["network"]),
                designations=data["designation"], keywords=data["q"], frequency=data["frequency"],
            )  # fmt: skip
            return redirect("alerts:check-email")
        status = 400
    else:
        # The calendar's "Get email alerts" link brings its filter; a stale or mistyped one is shown as an error.
        initial = request.GET.copy()
        initial.setdefault("frequency", "immediate")
        form = SubscribeForm(initial) if request.GET else SubscribeForm()
        if request.GET:
            form.is_valid()
            form.errors.pop("email", None)
        status = 200
    return render(request, "alerts/subscribe.html", {"form": form}, status=status)


def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/check_email.html")


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = tokens.read_token(token, tokens.CONFIRM)
    if subscription is None or subscription.unsubscribed_at is not None:
        return render(request, "alerts/invalid_link.html", {"message": messages.LINK_INVALID}, status=404)
    if request.method == "POST":
        services.subscription_confirm(subscription=subscription)
        return render(request, "alerts/done.html", {"title": messages.CONFIRMED, "confirmed": True,
                                                    "filter": describe_filter(subscription)})  # fmt: skip
    return render(request, "alerts/button.html", {
        "title": "Confirm your email alerts", "button": "Confirm email alerts",
        "text": f"You asked for email alerts about {describe_filter(subscription)}.",
    })  # fmt: skip


@csrf_exempt  # RFC 8058 one-click: the mail client posts without our cookie; the signed token is the protection
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscription = tokens.read_token(token, tokens.UNSUBSCRIBE)
    if subscription is None:
        return render(request, "alerts/invalid_link.html", {"message": messages.LINK_INVALID}, status=404)
    if request.method == "POST":
        services.subscription_unsubscribe(subscription=subscription)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.", content_type="text/plain; charset=utf-8")
        return render(request, "alerts/done.html", {"title": messages.UNSUBSCRIBED, "confirmed": False})
    return render(request, "alerts/button.html", {
        "title": "Unsubscribe from email alerts", "button": "Unsubscribe",
        "text": "You’ll stop getting every email alert and weekly look-ahead sent to this address.",
    })  # fmt: skip
