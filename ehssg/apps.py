"""The project package as a Django app: the abstract history base and our deployment checks."""

from django.apps import AppConfig


class EhssgConfig(AppConfig):
    name = "ehssg"
    verbose_name = "EHSSG platform"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
