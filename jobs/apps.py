import logging
from typing import Any

from django.apps import AppConfig
from django.db import DatabaseError
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


def _schedule_after_migrate(**kwargs: Any) -> None:
    """A database just migrated has its periodic runs waiting for the first worker, however
    that worker is started (`run_jobs`, or the engine's own `db_worker`)."""
    from jobs.periodic import periodic_ensure

    try:
        periodic_ensure()
    except DatabaseError as exc:  # the engine's tables not migrated yet (`migrate jobs`)
        log.warning("periodic runs not scheduled after migrate: %s", exc)


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from jobs import retention  # noqa: F401  (registers the expiry of import files)

        post_migrate.connect(_schedule_after_migrate, sender=self)
