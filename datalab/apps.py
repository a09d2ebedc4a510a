from django.apps import AppConfig


class DatalabConfig(AppConfig):
    name = "datalab"
    verbose_name = "Health Data Lab"
