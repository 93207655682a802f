from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language. Close-out steps
# are recorded on the task, so they show in the task's history with the rest of its life.
ACTION_LABELS = {
    "task.closeout_saved": _("close-out report saved"),
    "task.closeout_submitted": _("close-out report filed"),
    "task.closeout_confirmed": _("close-out report confirmed and sent up"),
    "task.closeout_returned": _("close-out report returned"),
    "task.closeout_accepted": _("close-out accepted"),
    "task.closeout_document_added": _("institutional document added"),
    "task.closeout_document_removed": _("institutional document removed"),
    "commission.created": _("evaluation commissioned"),
    "commission.updated": _("commission changed"),
    "commission.independence_declared": _("independence declaration recorded as received"),
    "commission.indicators_set": _("indicator system set"),
    "commission.visit_recorded": _("field visit recorded"),
    "commission.evidence_added": _("evidence added"),
    "commission.evidence_removed": _("evidence removed"),
    "commission.scored": _("task scored"),
    "commission.reported": _("evaluation report delivered"),
    "commission.report_uploaded": _("signed evaluation report uploaded"),
    "outcome.created": _("replicable outcome drafted"),
    "outcome.updated": _("replicable outcome changed"),
    "outcome.confirmed": _("replicable outcome confirmed"),
    "ranking.formula_changed": _("ranking formula changed"),
    "incentive.decided": _("incentive decided"),
}

# Changes recorded about rows under a commission or a task that are no field of the object.
FIELD_LABELS = {
    "score": _("score"),
    "rating": _("rating"),
    "recommendation": _("Replication recommendation"),
    "task_findings": _("Evaluation findings"),
    "indicators": _("indicators"),
    "close_out": _("close-out report"),
    "result": _("result"),
    "returned_by": _("returned by"),
    "document": _("institutional document"),
    "summary": _("summary of the work done"),
    "cases": _("typical cases"),
    "proposed_outcomes": _("proposed replicable outcomes"),
    "not_completed_reason": _("why it was not completed"),
    "tolerance_filing": _("fault-tolerance filing"),
}


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation and incentives")

    def ready(self) -> None:
        from audit.presentation import EXTRA_FIELDS, register_actions, register_values
        from evaluation.models import CloseOut, Recommendation, TaskEvaluation

        register_actions(ACTION_LABELS)
        # Values recorded on the task or the commission, shown as words in their history.
        register_values(
            {
                **dict(CloseOut.Result.choices),
                **dict(TaskEvaluation.Rating.choices),
                **dict(Recommendation.choices),
            }
        )
        for name, label in FIELD_LABELS.items():
            EXTRA_FIELDS.setdefault(name, label)
        from evaluation import panels
        from evaluation.selectors.commissions import evaluating_conflict
        from tasks.services.plans import register_implementer_check

        panels.register_all()
        register_implementer_check(evaluating_conflict)
