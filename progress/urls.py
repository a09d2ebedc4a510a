"""Progress pages: /osr/ for OSR and the EHSSG (signed in), /progress/ for everyone."""

from django.urls import path, re_path

from . import views

app_name = "progress"

QUARTER = r"(?P<quarter>\d{4}-Q[1-4])"

urlpatterns = [
    path("osr/", views.dashboard, name="dashboard"),
    path("osr/metrics.csv", views.metrics_csv, name="metrics-csv"),
    path("osr/metrics.json", views.metrics_json, name="metrics-json"),
    path("osr/figures/<slug:key>/", views.drilldown, name="drilldown"),
    path("osr/reports/", views.manage_list, name="manage-list"),
    re_path(rf"^osr/reports/{QUARTER}/$", views.manage, name="manage"),
    re_path(rf"^osr/reports/{QUARTER}/issue/$", views.report_issue, name="issue"),
    path("progress/", views.report_list, name="reports"),
    re_path(rf"^progress/{QUARTER}/$", views.report_detail, name="report"),
    re_path(rf"^progress/{QUARTER}\.csv$", views.report_csv, name="report-csv"),
    re_path(rf"^progress/{QUARTER}\.json$", views.report_json, name="report-json"),
]
