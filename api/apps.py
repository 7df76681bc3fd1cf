from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the schema extension for strict request bodies before any schema is built.
        from api import schema  # noqa: F401
