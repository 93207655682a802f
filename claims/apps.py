from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How this app's audit actions read in the history, in the user's language.
ACTION_LABELS = {
    "programme.created": _("programme created"),
    "programme.item_added": _("item added to the programme"),
    "programme.items_imported": _("items imported"),
    "programme.claimants_set": _("eligible claimants changed"),
    "programme.opened": _("claims opened"),
    "programme.closed": _("claims closed"),
    "programme.claimed": _("item claimed"),
    "programme.withdrawn": _("claim withdrawn"),
    "programme.notices_issued": _("task notices issued"),
    "programme.updated": _("programme changed"),
    "programme.closing_moved": _("closing date moved"),
    "programme.item_removed": _("item removed from the programme"),
    "programme.notice_corrected": _("task notice corrected"),
    "programme.shortlisted": _("applications shortlisted"),
    "programme.list_version_moved": _("items drawn from a newer version of the list"),
}


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Programmes and claims")

    def ready(self) -> None:
        from audit.presentation import register_actions

        register_actions(ACTION_LABELS)
