"""Topic network endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from .views import TopicNetworkViewSet

router = SimpleRouter()
router.register("networks", TopicNetworkViewSet, basename="network")

urlpatterns = router.urls
