"""The API's addresses: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from local static files), /api/v1/ (the
root: an index of the lists) and /api/v1/..."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from networks.api.urls import router as networks_router
from progress.api.urls import router as progress_router
from releases.api.urls import router as releases_router

from .views import ApiRootView, not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file and our template has no inline style: the strict CSP holds.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/", ApiRootView.as_view(routers=[releases_router, networks_router, progress_router]), name="root"),
    path("v1/", include("releases.api.urls")),
    path("v1/", include("networks.api.urls")),
    path("v1/", include("progress.api.urls")),
    re_path(r"^", not_found),  # any other address under /api/ (newlines included): a JSON 404
]
