from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Call for proposals")

    def ready(self) -> None:
        from proposals import jobs  # noqa: F401  (registers the job kinds)
