from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language.
ACTION_LABELS = {
    "list.created": _("list started"),
    "list.renamed": _("list renamed"),
    "list.updated": _("list details changed"),
    "list.item_added": _("measure added to the list"),
    "list.item_updated": _("measure changed"),
    "list.item_moved": _("measure moved"),
    "list.item_removed": _("measure removed from the list"),
    "list.sent_for_opinions": _("sent for opinions"),
    "list.consultation_recorded": _("consultation recorded"),
    "list.consultation_updated": _("consultation changed"),
    "list.published": _("list published"),
    "list.revised": _("revision started"),
    "list.version_discarded": _("draft version discarded"),
}


class ListsConfig(AppConfig):
    name = "lists"
    verbose_name = _("Annual lists")

    def ready(self) -> None:
        from audit.presentation import register_actions

        register_actions(ACTION_LABELS)

        from lists.selectors import published_measures
        from merging.known import register_known_measures

        register_known_measures("lists", published_measures)
