from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

AREAS = ["records", "adoption", "rounds", "bulk", "batches", "cases", "guidance", "seminars"]


class PromotionConfig(AppConfig):
    name = "promotion"
    verbose_name = _("Nationwide promotion")

    def ready(self) -> None:
        # Merging comes before this stage and never imports it: the drafting warning learns of
        # the promoted measures through its registry.
        from merging.known import register_known_measures
        from promotion.selectors.known import promoted_measures

        register_known_measures("promotion", promoted_measures)

        # Each area's service module names its audit actions (ACTION_LABELS), shown in the
        # history in the user's language.
        import importlib

        from audit.presentation import register_actions

        for area in AREAS:
            module = importlib.import_module(f"promotion.services.{area}")
            register_actions(getattr(module, "ACTION_LABELS", {}))
        from promotion import jobs  # noqa: F401  (registers the periodic seminar reminders)
