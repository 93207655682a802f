from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """The views that see the whole process: dashboards and the journey of a measure. Above
    every stage in the import layers, since it reads them all."""

    name = "overview"
    verbose_name = _("Overview")
