"""Progress report endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from .views import ProgressReportViewSet

router = SimpleRouter()
router.register("progress-reports", ProgressReportViewSet, basename="progress-report")

urlpatterns = router.urls
