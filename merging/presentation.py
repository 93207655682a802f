"""How merging actions read in the audit trail."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "merge.suggested": _("similar proposals suggested"),
    "merge.accepted": _("merged into a candidate measure"),
    "merge.promoted": _("promoted to a candidate measure"),
    "merge.undone": _("merge undone"),
    "group.accepted": _("group accepted"),
    "group.split": _("group split"),
    "group.joined": _("groups joined"),
    "group.ignored": _("group ignored"),
    "group.restored": _("ignored group brought back"),
    "proposal.merged": _("merged into a candidate measure"),
    "proposal.unmerged": _("merge undone"),
}
