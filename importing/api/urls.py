"""The import endpoint, included under /api/v1/ by ehssg/api/urls.py before the register's router, so "import" is
never read as a release's slug."""

from django.urls import path

from .views import ReleaseImportView

urlpatterns = [path("releases/import/", ReleaseImportView.as_view(), name="release-import")]
