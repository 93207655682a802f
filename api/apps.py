from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language.
ACTION_LABELS = {
    "api.token_issued": _("API token issued"),
    "api.token_revoked": _("API token revoked"),
}


class ApiConfig(AppConfig):
    """The public REST API (接口): the resources users handle, with the UI's permissions."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from audit.presentation import register_actions

        register_actions(ACTION_LABELS)
