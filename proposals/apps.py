from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Call for proposals")

    def ready(self) -> None:
        from audit.presentation import register_actions
        from proposals import jobs  # noqa: F401  (registers the job kinds)
        from proposals.services import topics

        register_actions(topics.ACTION_LABELS)  # the topics' history (出题、授权)
