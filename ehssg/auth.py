"""What a locked-out sign-in sees (django-axes calls locked_out through AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import messages


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 with the cool-off time; the same words whether or not the username exists (no enumeration)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 15 * 60
    text = messages.SIGN_IN_LOCKED.format(minutes=max(1, math.ceil(seconds / 60)))
    response = render(request, "429.html", {"message": text, "title": "Signing in is paused"}, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
