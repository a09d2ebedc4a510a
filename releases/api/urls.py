"""Release register endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("producers", views.ProducerViewSet, basename="producer")
router.register("series", views.ReleaseSeriesViewSet, basename="series")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("date-changes", views.DateChangeViewSet, basename="date-change")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("definitions", views.DefinitionViewSet, basename="definition")

# importing/api/urls.py is included before these, so "releases/import/" is never read as a release's slug.
urlpatterns = router.urls
