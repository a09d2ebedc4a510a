"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include("ehssg.api.urls")),
    path("alerts/", include("alerts.urls")),
    path("", include("progress.urls")),
    path("", include("networks.urls")),
    path("", include("releases.urls")),
    path("", include("public_calendar.urls")),
    path("", include("coordination.urls")),
    path("", include("datalab.urls")),
]

handler403 = "releases.views.permission_denied"
handler404 = "releases.views.not_found"
handler500 = "ehssg.views.server_error"
