from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """The views that see the whole process: dashboards and the journey of a measure. Above
    every stage in the import layers, since it reads them all."""

    name = "overview"
    verbose_name = _("Overview")

    def ready(self) -> None:
        # A unit's adoption answer or filed return shows on the dashboards at once, not only
        # when their cached figures expire (overview.snapshots): forget them on each save.
        from django.db.models.signals import post_delete, post_save

        from overview.snapshots import forget_all
        from promotion.models import AdoptionRecord, RoundReturn

        def forget(sender: object, **kwargs: object) -> None:
            forget_all()

        for model in (AdoptionRecord, RoundReturn):
            post_save.connect(
                forget, sender=model, weak=False, dispatch_uid=f"overview-forget-{model}"
            )
            post_delete.connect(
                forget, sender=model, weak=False, dispatch_uid=f"overview-forget-{model}-del"
            )
