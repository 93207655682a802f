"""Forms of a unit's adoption: one measure's answer, the territory's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from promotion.models import AdoptionStatus, UnitLevel
from promotion.services.records import AdoptionData

ANY = [("", "---------")]
RETURN_STATE_CHOICES = [
    ("filed", _("filed")),
    ("handed_down", _("handed down, not filed")),
    ("not_filed", _("not filed")),
]


class TerritoryFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[*ANY, *UnitLevel.choices], required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[*ANY, *RETURN_STATE_CHOICES], required=False
    )


class AdoptionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=AdoptionStatus.choices, widget=forms.RadioSelect
    )
    status_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        required=False,
        help_text=_(
            "The date the measure reached this status (deployed, in place, showing results)."
        ),
    )
    local_document = forms.CharField(
        label=_("Local document"),
        max_length=300,
        required=False,
        help_text=_("The local document that adopted the measure (needed once it is in place)."),
    )
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    difficulties = forms.CharField(
        label=_("Difficulties met"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    reason = forms.CharField(
        label=_("Why not applicable"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Only when the status is “not applicable”."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Optional: a PDF, Word, Excel or image file; replaces the file sent before."),
    )

    def data_for_service(self) -> AdoptionData:
        data = self.cleaned_data
        return AdoptionData(
            status=data["status"],
            status_on=data["status_on"],
            reason=data["reason"],
            local_document=data["local_document"],
            contact=data["contact"],
            difficulties=data["difficulties"],
        )
