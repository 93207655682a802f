from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the installation: backup and restore (manage.py backup, manage.py restore)."""

    name = "ops"
    verbose_name = "Operations"
