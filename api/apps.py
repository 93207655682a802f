from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public REST API (接口): the resources users handle, with the UI's permissions."""

    name = "api"
    verbose_name = _("API")
