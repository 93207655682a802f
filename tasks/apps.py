from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language.
ACTION_LABELS = {
    "task.opened": _("task opened"),
    "task.updated": _("task changed"),
    "task.implementer_added": _("implementer named"),
    "task.implementer_removed": _("implementer removed"),
    "task.implementer_changed": _("implementer changed"),
    "task.organisation_created": _("organisation registered"),
    "task.plan_saved": _("plan changed"),
    "task.plan_submitted": _("plan submitted"),
    "task.plan_approved": _("plan approved"),
    "task.plan_returned": _("plan returned"),
    "task.report_saved": _("progress report saved"),
    "task.report_submitted": _("progress report submitted"),
    "task.bulk_updated": _("updated from a sheet"),
    "task.help_requested": _("help requested"),
    "task.help_escalated": _("help request passed to the national coordinator"),
    "task.help_answered": _("help request answered"),
    "task.inspected": _("inspection recorded"),
    "task.followed_up": _("rectification followed up"),
    "task.inspection_closed": _("rectification closed"),
    "task.tolerance_filed": _("fault-tolerance filing"),
    "task.tolerance_decided": _("fault-tolerance decision"),
    "task.reminded": _("reminder sent"),
}
# Changes recorded on a task about a row under it that are no field of the task.
FIELD_LABELS = {
    "deciding_body": _("deciding body"),
    "measures_title": _("implementing measures applied"),
}


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Implementation")

    def ready(self) -> None:
        from audit.presentation import EXTRA_FIELDS, register_actions, register_values
        from tasks.models import ProgressReport, Status

        register_actions(ACTION_LABELS)
        # audit.presentation has no register_fields (yet): its table of such labels is a dict.
        for name, label in FIELD_LABELS.items():
            EXTRA_FIELDS.setdefault(name, label)
        # States of reports and milestones are recorded on the task, not on their own rows.
        register_values({**dict(Status.choices), **dict(ProgressReport.State.choices)})
        from claims.signals import notices_issued
        from tasks import jobs  # noqa: F401  (registers the reminder job kind)
        from tasks.services.core import open_tasks_on_notices

        notices_issued.connect(open_tasks_on_notices, dispatch_uid="tasks.open_on_notices")
        self._forget_dispatch_on_changes()

    def _forget_dispatch_on_changes(self) -> None:
        """The dispatch's per-claimant tables are kept in the shared cache (tasks.dispatch):
        a save of anything they count forgets them, so the change shows on the next view."""
        from django.db.models.signals import post_delete, post_save

        from claims.models import Claimant, TaskNotice
        from tasks.dispatch import forget_figures
        from tasks.models import HelpRequest, Milestone, ProgressReport, Task

        for model in (Task, ProgressReport, Milestone, HelpRequest, Claimant, TaskNotice):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_figures,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"tasks.dispatch-forget-{model.__name__}-{id(signal)}",
                )
