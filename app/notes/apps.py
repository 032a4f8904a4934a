from django.apps import AppConfig


class NotesConfig(AppConfig):
    """The example app: short text notes behind a JSON API."""

    name = "notes"
    default_auto_field = "django.db.models.BigAutoField"
