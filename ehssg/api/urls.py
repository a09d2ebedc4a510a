"""The API's addresses: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from local static files), /api/v1/ (the
root: an index of the lists) and /api/v1/..."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import ApiRootView, not_found

app_name = "api"
ROOT_ROUTERS = ["releases", "coordination", "networks", "progress", "datalab"]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file and our template has no inline style: the strict CSP holds.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # The apps' routers by dotted path, in the order the root lists them (the project package imports no app).
    path("v1/", ApiRootView.as_view(routers=[f"{app}.api.urls.router" for app in ROOT_ROUTERS]), name="root"),
    path("v1/", include("importing.api.urls")),
    path("v1/", include("coordination.api.urls")),
    path("v1/", include("releases.api.urls")),
    path("v1/", include("networks.api.urls")),
    path("v1/", include("progress.api.urls")),
    path("v1/", include("datalab.api.urls")),
    re_path(r"^", not_found),  # any other address under /api/ (newlines included): a JSON 404
]
