"""Forms of promotion batches; the services hold the rules, these catch what the user can fix
before posting and keep what was typed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from promotion.models import PromotedMeasure
from promotion.selectors.batches import KNOWN, UNKNOWN
from promotion.services.batches import PUBLISHABLE_SCOPES, MeasureData, NoticeData
from proposals.models import ReformField

ANY = [("", "---------")]
TEXTAREA = forms.Textarea(attrs={"rows": 8})


class MeasureFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ChoiceField(label=_("Field"), choices=ANY, required=False)
    scope = forms.ChoiceField(
        label=_("Where it applies"), choices=[*ANY, *PromotedMeasure.Scope.choices], required=False
    )
    known = forms.ChoiceField(
        label=_("Title"),
        choices=[*ANY, (KNOWN, _("title known")), (UNKNOWN, _("title not known"))],
        required=False,
    )

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["field"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [*ANY, *((name, name) for name in fields)]


class OutcomeFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.all_fields.all(), required=False
    )
    promoted = forms.ChoiceField(
        label=_("Already promoted"),
        choices=[*ANY, (KNOWN, _("already promoted")), (UNKNOWN, _("not promoted yet"))],
        required=False,
    )


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    field = forms.CharField(
        label=_("Field"),
        max_length=100,
        help_text=_("The field the notice groups the measure under."),
    )
    scope = forms.ChoiceField(
        label=_("Where it applies"),
        choices=[c for c in PromotedMeasure.Scope.choices if c[0] in PUBLISHABLE_SCOPES],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("Text"), widget=TEXTAREA)
    origin = forms.CharField(
        label=_("Origin"),
        max_length=200,
        required=False,
        help_text=_("The localities and units the measure comes from."),
    )

    def data_for_service(self) -> MeasureData:
        data = self.cleaned_data
        return MeasureData(
            title=data["title"],
            field=data["field"],
            text=data["text"],
            scope=data["scope"],
            origin=data["origin"],
        )


class PublishForm(forms.Form):
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=50,
        help_text=_(
            "As the State Council's General Office numbered the notice, e.g. 国办发〔2020〕3号."
        ),
    )
    title = forms.CharField(label=_("Notice title"), max_length=200)
    issued_on = forms.DateField(label=_("Date of issue"), widget=DateInput())

    def data_for_service(self) -> NoticeData:
        data = self.cleaned_data
        return NoticeData(
            doc_number=data["doc_number"], title=data["title"], issued_on=data["issued_on"]
        )


class ConfirmForm(forms.Form):
    """Nothing to enter: the confirmation page's button posts it."""
