"""Topic network endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from .views import (
    ActionItemViewSet,
    ActionPlanViewSet,
    EngagementActivityViewSet,
    LessonViewSet,
    TopicNetworkViewSet,
)

router = SimpleRouter()
router.register("networks", TopicNetworkViewSet, basename="network")
router.register("action-plans", ActionPlanViewSet, basename="action-plan")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("lessons", LessonViewSet, basename="lesson")
router.register("engagement-activities", EngagementActivityViewSet, basename="engagement-activity")

urlpatterns = router.urls
