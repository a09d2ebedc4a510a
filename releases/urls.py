"""Public pages of the release register, sign-in, and the producer pages under /producer/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from . import views

producer_patterns = (
    [
        path("releases/", views.release_list, name="release-list"),
        path("releases/new/", views.release_create, name="release-create"),
        path("releases/<slug:slug>/", views.release_manage, name="release-manage"),
        path("releases/<slug:slug>/edit/", views.release_edit, name="release-edit"),
        path("releases/<slug:slug>/announce/", views.release_announce, name="release-announce"),
        path("releases/<slug:slug>/confirm/", views.release_confirm, name="release-confirm"),
        path("releases/<slug:slug>/change-date/", views.release_request_change, name="release-request-change"),
        path("releases/<slug:slug>/cancel/", views.release_cancel, name="release-cancel"),
        path("releases/<slug:slug>/publish/", views.release_publish, name="release-publish"),
        path("releases/<slug:slug>/discard/", views.release_discard, name="release-discard"),
        path("releases/<slug:slug>/pre-release-access/add/", views.access_add, name="access-add"),
        path("pre-release-access/<int:pk>/remove/", views.access_remove, name="access-remove"),
        path("changes/<int:pk>/agree/", views.change_agree, name="change-agree"),
        path("changes/<int:pk>/refuse/", views.change_refuse, name="change-refuse"),
        path("changes/<int:pk>/withdraw/", views.change_withdraw, name="change-withdraw"),
    ],
    "producer",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", TemplateView.as_view(template_name="home.html"), name="about"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("producer/", include(producer_patterns)),
    path("releases/<slug:slug>/", views.release_detail, name="release-detail"),
]
