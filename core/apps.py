from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Outbox handlers register themselves on import; load every app's handlers module.
        from core.outbox import autodiscover_handlers

        autodiscover_handlers()
