from typing import Any

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
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        pre_save.connect(
            revoke_token_on_new_password,
            sender=get_user_model(),
            dispatch_uid="api.revoke_token_on_new_password",
        )


def revoke_token_on_new_password(sender: object, instance: Any, **kwargs: object) -> None:
    """A new password kills the API token too, as it ends the user's other sessions: whoever
    learnt the old password and took a token with it is out. (`set_password` keeps the new
    raw password in `_password` until the save.)"""
    if getattr(instance, "pk", None) is None or getattr(instance, "_password", None) is None:
        return
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user_id=instance.pk).delete()
