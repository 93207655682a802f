"""How audit entries read on a page: actions and fields in the user's language."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEntry

ACTION_LABELS = {
    "cycle.opened": gettext_lazy("cycle opened"),
    "cycle.updated": gettext_lazy("cycle changed"),
    "cycle.extension_granted": gettext_lazy("deadline extension granted"),
    "proposal.created": gettext_lazy("draft created"),
    "proposal.updated": gettext_lazy("proposal changed"),
    "proposal.deleted": gettext_lazy("draft deleted"),
    "proposal.submitted": gettext_lazy("submitted"),
    "proposal.resubmitted": gettext_lazy("resubmitted"),
    "proposal.returned": gettext_lazy("returned for revision"),
    "proposal.attachment_added": gettext_lazy("attachment added"),
    "proposal.attachment_removed": gettext_lazy("attachment removed"),
    "suggestion.submitted": gettext_lazy("suggestion received"),
    "suggestion.adopted": gettext_lazy("adopted into a proposal"),
    "suggestion.released": gettext_lazy("no longer used by a proposal"),
    "suggestion.declined": gettext_lazy("suggestion declined"),
}
EXTRA_FIELDS = {
    "attachment": gettext_lazy("attachment"),
    "extension": gettext_lazy("extension"),
    "password": gettext_lazy("password"),
    # Changes recorded on a programme or a task about the rows under it.
    "claim": gettext_lazy("claim"),
    "claimants": gettext_lazy("claimants"),
    "item": gettext_lazy("item"),
    "doc_number": gettext_lazy("document number"),
    "issued_on": gettext_lazy("date of issue"),
    "issuing_authority": gettext_lazy("issuing authority"),
    "implementer": gettext_lazy("implementer"),
    "organisation": gettext_lazy("organisation"),
    "lead": gettext_lazy("lead implementer"),
    "responsibility": gettext_lazy("responsibility"),
    "milestones": gettext_lazy("milestones"),
    "targets": gettext_lazy("targets"),
    "report": gettext_lazy("progress report"),
    "done": gettext_lazy("what was done"),
    "problems": gettext_lazy("problems met"),
    "help_needed": gettext_lazy("help needed"),
    "inspection": gettext_lazy("inspection"),
    "rectify_by": gettext_lazy("rectify by"),
    "tolerance": gettext_lazy("fault-tolerance filing"),
    "reviewers": gettext_lazy("reviewers"),
    "assignments": gettext_lazy("assignments"),
}


# Labels of coded values recorded under a key that is no field of the object (e.g. a report's
# state recorded on its task), registered by the apps that record them.
VALUE_LABELS: dict[str, Any] = {}


def register_actions(labels: dict[str, Any]) -> None:
    """Each app names its own actions; the history shows them through this one table."""
    ACTION_LABELS.update(labels)


def register_values(labels: dict[str, Any]) -> None:
    VALUE_LABELS.update(labels)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    kind, _dot, verb = action.rpartition(".")
    verbs = {"created": _("created"), "updated": _("changed"), "deleted": _("deleted")}
    return f"{kind} {verbs[verb]}" if verb in verbs else action


def _value(field: Any, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):  # a set of values, e.g. a cycle's participants by code
        return "、".join(str(_value(field, item)) for item in value) or "—"
    if field is None:
        label = VALUE_LABELS.get(value) if isinstance(value, str) else None
        return value if label is None else label
    choices = dict(getattr(field, "flatchoices", None) or ())
    return choices.get(value, value)


def change_rows(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field label, before, after) with choice values shown as their labels."""
    model = entry.content_type.model_class()
    rows = []
    for name, pair in entry.changes.items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        label = getattr(field, "verbose_name", None) or EXTRA_FIELDS.get(name, name)
        rows.append((str(label), _value(field, before), _value(field, after)))
    return rows
