"""Topic network pages."""

from django.urls import path

from . import views

app_name = "networks"

urlpatterns = [
    path("networks/", views.network_list, name="list"),
    path("networks/<slug:slug>/", views.network_detail, name="detail"),
    path("networks/<slug:slug>/plans/new/", views.plan_create, name="plan-create"),
    path("networks/<slug:slug>/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("networks/<slug:slug>/lessons/new/", views.lesson_create, name="lesson-create"),
    path("networks/<slug:slug>/activities/new/", views.activity_create, name="activity-create"),
    path("plans/<int:pk>/actions/new/", views.item_create, name="item-create"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("actions/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("actions/<int:pk>/progress/new/", views.update_create, name="update-create"),
    path("lessons/", views.lesson_search, name="lessons"),
]
