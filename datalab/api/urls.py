"""The Health Data Lab's endpoints, included under /api/v1/ by ehssg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("datalab/requests", views.DataLabRequestViewSet, basename="datalab-request")
router.register("datalab/organisations", views.OrganisationViewSet, basename="datalab-organisation")

urlpatterns = router.urls
