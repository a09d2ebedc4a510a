"""The Health Data Lab's pages, under /data-lab/ (the addresses are a contract: docs/datalab.md, "Pages")."""

from django.urls import path

from . import views
from .report import views as report_views

app_name = "datalab"
urlpatterns = [
    path("data-lab/", views.home, name="home"),
    path("data-lab/cohort-template.csv", views.template_csv, name="template-csv"),
    path("data-lab/cohort-template.xlsx", views.template_xlsx, name="template-xlsx"),
    path("data-lab/requests/", views.request_list, name="requests"),
    path("data-lab/requests/new/", views.request_new, name="request-new"),
    path("data-lab/requests/<str:reference>/", views.request_detail, name="request"),
    path("data-lab/requests/<str:reference>/edit/", views.request_edit, name="request-edit"),
    path("data-lab/requests/<str:reference>/submit/", views.request_submit, name="request-submit"),
    path("data-lab/requests/<str:reference>/agreement/", views.agreement_page, name="agreement"),
    path("data-lab/requests/<str:reference>/upload/", views.cohort_upload, name="upload"),
    path("data-lab/requests/<str:reference>/steps/<str:step>/", views.step_page, name="step"),
    path("data-lab/requests/<str:reference>/runs/", views.run_analysis, name="run-analysis"),
    path("data-lab/requests/<str:reference>/output-check/", views.output_check, name="output-check"),
    path("data-lab/requests/<str:reference>/audit/", views.audit_page, name="audit"),
    path("data-lab/requests/<str:reference>/factual-review/", report_views.factual_review, name="factual-review"),
    path("data-lab/requests/<str:reference>/schedule/", report_views.schedule, name="schedule"),
    path("data-lab/reports/", report_views.catalogue, name="reports"),
    path("data-lab/reports/<str:reference>/", report_views.report, name="report"),
    path("data-lab/reports/<str:reference>.pdf", report_views.report_pdf, name="report-pdf"),
]
