from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Coordination: engines and flags"

    def ready(self) -> None:
        from releases import hooks

        from .flagging import on_release_saved, release_warnings

        hooks.on_release_saved("coordination", on_release_saved)
        hooks.on_release_warnings("coordination", release_warnings)
