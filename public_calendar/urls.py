"""The public calendar page and its feeds; included at the root by ehssg/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar-ics"),
    path("calendar.atom", views.calendar_atom, name="calendar-atom"),
    path("calendar.csv", views.calendar_csv, name="calendar-csv"),
    path("calendar.json", views.calendar_json, name="calendar-json"),
    path("releases/<slug:slug>.ics", views.release_ics, name="release-ics"),
]
