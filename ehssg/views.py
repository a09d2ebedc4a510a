"""Project-wide views: the health check."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("health:probe", "1", timeout=10)
    if cache.get("health:probe") != "1":
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def _check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker status as JSON: 200 when all answer, 503 otherwise."""
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
    results: dict[str, str] = {}
    healthy = True
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure, whatever it is
            healthy = False
            results[name] = f"error: {exc.__class__.__name__}"
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: a GOV.UK page with the request id to quote, never a traceback or setting (DEBUG is off in production).

    It reads nothing from the database (the failure may be the database), and falls back to plain text if even the
    template cannot be rendered.
    """
    from django.template.loader import render_to_string

    from .messages import SERVER_ERROR

    request_id = getattr(request, "request_id", "")
    body: str
    try:
        body = render_to_string("500.html", {"request_id": request_id}, request=request)
    except Exception:  # noqa: BLE001 - the error page must answer whatever broke
        body = SERVER_ERROR
    return HttpResponse(body, status=500)
