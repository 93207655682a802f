"""How audit entries read on a page: actions and fields in the user's language."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
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


# Labels of keys that name a reverse relation (a count of the rows under the object): the
# related model's plural says what was counted; these say it more precisely.
RELATION_LABELS: dict[tuple[str, str], Any] = {
    ("merging.candidatemeasure", "sources"): gettext_lazy("number of sources"),
}
BOOLEAN_STRINGS = {"True": True, "False": False}


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


def _value(field: Any, value: Any, names: dict[Any, str] | None = None) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value in BOOLEAN_STRINGS and _is_boolean(field):
        value = BOOLEAN_STRINGS[value]  # recorded as text by an older service
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):  # a set of values, e.g. a cycle's participants by code
        return "、".join(str(_value(field, item, names)) for item in value) or "—"
    if field is None:
        label = VALUE_LABELS.get(value) if isinstance(value, str) else None
        return value if label is None else label
    if _is_foreign_key(field) and names is not None:
        return names.get(value, value)
    choices = dict(getattr(field, "flatchoices", None) or ())
    return choices.get(value, value)


def _is_boolean(field: Any) -> bool:
    return field is None or isinstance(field, models.BooleanField)


def _is_foreign_key(field: Any) -> bool:
    return isinstance(field, models.ForeignKey)


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def _label(model: type[models.Model] | None, name: str, field: Any) -> str:
    """The field's verbose name; for a reverse relation (a count of rows under the object),
    what those rows are; else a label registered for a key that is no field."""
    if model is not None and (model._meta.label_lower, name) in RELATION_LABELS:
        return str(RELATION_LABELS[(model._meta.label_lower, name)])
    if isinstance(field, models.ForeignObjectRel) and not isinstance(field.related_model, str):
        return str(field.related_model._meta.verbose_name_plural)
    label = getattr(field, "verbose_name", None)
    return str(label or EXTRA_FIELDS.get(name, name))


def _pair(raw: Any) -> tuple[Any, Any]:
    if isinstance(raw, list):
        before, after = (raw + [None, None])[:2]
        return before, after
    return None, raw


def _related_names(entries: Iterable[AuditEntry]) -> dict[Any, dict[Any, str]]:
    """The names of the objects that foreign keys recorded as ids point at: one query per
    related model, whatever the number of entries."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, raw in entry.changes.items():
            field = _field(model, name)
            if _is_foreign_key(field):
                wanted[field.related_model].update(
                    v for v in _pair(raw) if isinstance(v, int) and not isinstance(v, bool)
                )
    found: dict[Any, dict[Any, str]] = {}
    for related, pks in wanted.items():
        if pks:
            found[related] = {
                obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=pks)
            }
    return found


def change_rows(
    entry: AuditEntry, names: dict[Any, dict[Any, str]] | None = None
) -> list[tuple[str, Any, Any]]:
    """(field label, before, after) in words: the field's verbose name, 是/否 for booleans,
    choice labels for choices, and object names for foreign keys recorded as ids (resolved for
    a whole page by `readable`, else by a query for this entry)."""
    model = entry.content_type.model_class()
    if names is None:
        names = _related_names([entry])
    rows = []
    for name, raw in entry.changes.items():
        field = _field(model, name)
        before, after = _pair(raw)
        related = names.get(field.related_model, {}) if _is_foreign_key(field) else None
        shown = (_value(field, before, related), _value(field, after, related))
        if shown == ("—", "—"):
            continue  # a field left empty on creation: "— → —" says nothing
        rows.append((_label(model, name, field), *shown))
    return rows


def readable(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The entries with their rows in words (`entry.rows`), the names of related objects
    fetched once for all of them."""
    entries = list(entries)
    names = _related_names(entries)
    for entry in entries:
        entry.rows = change_rows(entry, names)  # type: ignore[attr-defined]
    return entries
