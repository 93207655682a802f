"""Form pieces every app's lists and workflow actions share."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's date picker. It reads and writes ISO dates (2027-04-30) whatever the
    language, so a saved date is rendered in ISO too, not in the locale's 2027/04/30 that
    the picker would take for empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class FilterForm(forms.Form):
    """A GET form of list filters whose valid values become plain strings for the selectors
    and for export jobs."""

    def params(self) -> dict[str, str]:
        # An invalid filter is dropped on its own; the valid ones still apply.
        self.is_valid()
        out: dict[str, str] = {}
        for name, value in getattr(self, "cleaned_data", {}).items():
            if value in (None, ""):
                continue
            out[name] = str(value.pk) if hasattr(value, "pk") else str(value)
        return out


class ReasonForm(forms.Form):
    """A state change that must say why (a return, an undo, a decline)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


def national_authority_filter() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("National authority"),
        choices=[("", "---------"), ("yes", _("needed")), ("no", _("not needed"))],
        required=False,
    )
