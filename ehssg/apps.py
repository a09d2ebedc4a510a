"""The project package as a Django app: the abstract history base, our deployment checks, accent-free search."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EhssgConfig(AppConfig):
    name = "ehssg"
    verbose_name = "EHSSG platform"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
        from .search import connection_created as search_connection_created

        connection_created.connect(search_connection_created, dispatch_uid="ehssg.search")
