"""The API's addresses: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from local static files), /api/v1/..."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file and our template has no inline style: the strict CSP holds.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/", include("importing.api.urls")),
    path("v1/", include("coordination.api.urls")),
    path("v1/", include("releases.api.urls")),
    path("v1/", include("networks.api.urls")),
    path("v1/", include("progress.api.urls")),
    re_path(r"^", not_found),  # any other address under /api/ (newlines included): a JSON 404
]
