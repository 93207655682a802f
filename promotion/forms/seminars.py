"""Forms of the exchange seminars; the service (`promotion.services.seminars`) holds the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from promotion.models import PromotionBatch, Seminar
from promotion.selectors.guidance import provinces
from promotion.selectors.seminars import batches_published
from regions.models import Division

ANY = [("", "---------")]
TEXTAREA = forms.Textarea(attrs={"rows": 5})


class SeminarFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[*ANY, *Seminar.State.choices], required=False
    )
    batch = forms.ModelChoiceField(
        label=_("Batch"), queryset=PromotionBatch.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["batch"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = batches_published()


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    batches = forms.ModelMultipleChoiceField(
        label=_("Batches"),
        queryset=PromotionBatch.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One seminar may take up several batches."),
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["batches"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = batches_published()


class HeldForm(forms.Form):
    held_on = forms.DateField(label=_("Date held"), widget=DateInput)
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions taking part"),
        queryset=Division.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    agenda = forms.CharField(label=_("Agenda"), widget=TEXTAREA)
    practices = forms.CharField(label=_("Practices collected"), widget=TEXTAREA, required=False)
    solutions = forms.CharField(
        label=_("Solutions to difficulties"),
        widget=TEXTAREA,
        required=False,
        help_text=_("What was found for the difficulties the localities met."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["regions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = provinces()
