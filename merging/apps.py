from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    name = "merging"
    verbose_name = _("Merging similar proposals")

    def ready(self) -> None:
        from audit import presentation
        from merging import jobs  # noqa: F401  (registers the job kinds)
        from merging.presentation import ACTION_LABELS

        # The history pages name merging actions in the user's language.
        presentation.ACTION_LABELS.update(ACTION_LABELS)
