"""The flag pages for the people who settle flags; included at the root by ehssg/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("flags/", views.flag_list, name="flag-list"),
    path("flags/<int:pk>/", views.flag_detail, name="flag-detail"),
]
