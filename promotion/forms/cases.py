"""Forms of the case library; the services hold the rules, these catch what the user can fix
before posting and keep what was typed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.models import Outcome
from kernel.forms import FilterForm
from promotion.models import PromotedMeasure, ReformCase
from promotion.selectors.cases import confirmed_outcomes, provinces, published_measures
from promotion.services.cases import CaseData
from regions.models import Division

ANY = [("", "---------")]
TEXTAREA = forms.Textarea(attrs={"rows": 10})


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, PromotedMeasure)
        title = obj.title or f"#{obj.position}"
        return f"{obj.batch.ordinal()} {obj.position}. {title}"


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Division)
        return f"{obj.code} {obj.name}"


class CaseFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ChoiceField(label=_("Field"), choices=ANY, required=False)
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Division.objects.none(), required=False
    )
    measure = MeasureChoiceField(
        label=_("Measure"), queryset=PromotedMeasure.objects.none(), required=False
    )

    def __init__(self, *args: Any, fields: list[str], national: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice = self.fields["field"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [*ANY, *((name, name) for name in fields)]
        province = self.fields["province"]
        assert isinstance(province, forms.ModelChoiceField)
        province.queryset = provinces()
        measure = self.fields["measure"]
        assert isinstance(measure, forms.ModelChoiceField)
        measure.queryset = published_measures()
        if national:
            self.fields["state"] = forms.ChoiceField(
                label=_("State"), choices=[*ANY, *ReformCase.State.choices], required=False
            )


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    division = DivisionChoiceField(
        label=_("Where"),
        queryset=Division.objects.order_by("code"),
        help_text=_("The province, prefecture or county where the reform worked."),
    )
    field = forms.CharField(label=_("Field"), max_length=100, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    body = forms.CharField(label=_("The case"), widget=TEXTAREA)
    measure = MeasureChoiceField(
        label=_("Measure"),
        queryset=PromotedMeasure.objects.none(),
        required=False,
        help_text=_("The promoted measure the case illustrates, if any."),
    )
    outcome = forms.ModelChoiceField(
        label=_("Replicable outcome"), queryset=Outcome.objects.none(), required=False
    )
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measure = self.fields["measure"]
        assert isinstance(measure, forms.ModelChoiceField)
        measure.queryset = published_measures()
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ModelChoiceField)
        outcome.queryset = confirmed_outcomes()

    def data_for_service(self) -> CaseData:
        data = self.cleaned_data
        return CaseData(
            title=data["title"],
            division=data["division"],
            field=data["field"],
            summary=data["summary"],
            body=data["body"],
            measure=data["measure"],
            outcome=data["outcome"],
            source=data["source"],
        )


class ConfirmForm(forms.Form):
    """Nothing to enter: the confirmation page's button posts it."""
