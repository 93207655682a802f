from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionConfig(AppConfig):
    name = "promotion"
    verbose_name = _("Nationwide promotion")

    def ready(self) -> None:
        # Merging comes before this stage and never imports it: the drafting warning learns of
        # the promoted measures through its registry.
        from merging.known import register_known_measures
        from promotion.selectors import promoted_measures

        register_known_measures("promotion", promoted_measures)
