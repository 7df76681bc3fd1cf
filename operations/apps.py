from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Operator entry points (management commands) that span several domain apps."""

    name = "operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from operations import settings_checks  # noqa: F401 - registers the production start-up checks
        from operations.periodic_tasks import register_periodic_tasks

        register_periodic_tasks()
