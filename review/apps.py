from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language.
ACTION_LABELS = {
    "expert.created": _("expert added to the pool"),
    "expert.updated": _("expert profile changed"),
    "review.assignment_solved": _("reviewers assigned by the solver"),
    "review.assigned": _("reviewer assigned"),
    "review.reviewer_added": _("reviewer added by the coordinator"),
    "review.reviewer_removed": _("reviewer removed by the coordinator"),
    "review.reviewer_replaced": _("reviewer replaced by the coordinator"),
    "review.created": _("review started"),
    "review.updated": _("review draft saved"),
    "review.submitted": _("review submitted"),
}


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Expert review")

    def ready(self) -> None:
        from audit.presentation import register_actions

        register_actions(ACTION_LABELS)

        from review import (
            export_jobs,  # noqa: F401  (registers the ranking export)
            jobs,  # noqa: F401  (registers the assignment job kinds)
        )
