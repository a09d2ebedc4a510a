"""Release register endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .importing import ReleaseImportView

router = SimpleRouter()
router.register("producers", views.ProducerViewSet, basename="producer")
router.register("series", views.ReleaseSeriesViewSet, basename="series")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("date-changes", views.DateChangeViewSet, basename="date-change")
router.register("flags", views.FlagViewSet, basename="flag")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("definitions", views.DefinitionViewSet, basename="definition")

# Before the router, so "import" is never read as a release's slug.
urlpatterns = [path("releases/import/", ReleaseImportView.as_view(), name="release-import"), *router.urls]
