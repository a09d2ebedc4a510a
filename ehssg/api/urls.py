"""The API's addresses: /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI from local static files), /api/v1/..."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .views import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include("releases.api.urls")),
    path("v1/", include("networks.api.urls")),
    path("v1/", include("progress.api.urls")),
    re_path(r"^", not_found),  # any other address under /api/ (newlines included): a JSON 404
]
