"""The flags API and a release's /relate/ action, included under /api/v1/ by ehssg/api/urls.py."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from ehssg.api.views import SLUG_PATTERN

from . import views

router = SimpleRouter()
router.register("flags", views.FlagViewSet, basename="flag")

urlpatterns = [
    re_path(
        rf"^releases/(?P<slug>{SLUG_PATTERN})/relate/$",
        views.RelateReleaseViewSet.as_view({"post": "relate"}),
        name="release-relate",
    ),
    *router.urls,
]
