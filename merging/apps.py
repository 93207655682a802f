from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    name = "merging"
    verbose_name = _("Merging similar proposals")

    def ready(self) -> None:
        from audit.presentation import register_actions
        from merging import jobs  # noqa: F401  (registers the job kinds)
        from merging.presentation import ACTION_LABELS

        register_actions(ACTION_LABELS)
