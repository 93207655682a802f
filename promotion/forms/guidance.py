"""Forms of guidance and training; the service (`promotion.services.guidance`) holds the rules."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from promotion.models import GuidanceActivity, PromotedMeasure, PromotionBatch, UnitLevel
from promotion.selectors.guidance import (
    NATIONAL_LEVEL,
    provinces,
    published_batches,
    published_measures,
)
from regions.models import Division

ANY = [("", "---------")]
TEXTAREA = forms.Textarea(attrs={"rows": 4})
LEVELS = [
    (NATIONAL_LEVEL, _("the national level")),
    (str(UnitLevel.PROVINCE.value), UnitLevel.PROVINCE.label),
    (str(UnitLevel.PREFECTURE.value), UnitLevel.PREFECTURE.label),
    (str(UnitLevel.COUNTY.value), UnitLevel.COUNTY.label),
]


class MeasureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        title = obj.title or _("title not known")
        return f"{obj.batch.ordinal()} · {obj.position}. {title}"


class DivisionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class GuidanceFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    batch = forms.ModelChoiceField(
        label=_("Batch"), queryset=PromotionBatch.objects.none(), required=False
    )
    measure = MeasureChoice(
        label=_("Measure"), queryset=PromotedMeasure.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[*ANY, *GuidanceActivity.Kind.choices], required=False
    )
    level = forms.ChoiceField(label=_("Level"), choices=[*ANY, *LEVELS], required=False)
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Division.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (
            ("batch", published_batches()),
            ("measure", published_measures()),
            ("province", provinces()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs


class GuidanceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=GuidanceActivity.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    batch = forms.ModelChoiceField(label=_("Batch"), queryset=PromotionBatch.objects.none())
    measure = MeasureChoice(
        label=_("Measure"),
        queryset=PromotedMeasure.objects.none(),
        required=False,
        help_text=_("Leave empty when the activity covers the whole batch."),
    )
    division = DivisionChoice(
        label=_("Where it was given"),
        queryset=Division.objects.none(),
        help_text=_("Your province, or one of its prefectures or counties."),
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    audience = forms.CharField(
        label=_("Audience"),
        max_length=300,
        required=False,
        help_text=_("Who it was for: departments, prefectures, parks, enterprises…"),
    )
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0, required=False)
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("The guide itself, the slides or the programme (PDF, Word, Excel, OFD)."),
    )
    remove_document = forms.BooleanField(label=_("Remove the current document"), required=False)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)

    def __init__(
        self,
        *args: Any,
        divisions: QuerySet[Division] | None,
        has_document: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        batch = self.fields["batch"]
        assert isinstance(batch, forms.ModelChoiceField)
        batch.queryset = published_batches()
        measure = self.fields["measure"]
        assert isinstance(measure, forms.ModelChoiceField)
        measure.queryset = published_measures()
        # Only a province chooses where: the national level and a prefecture or county record
        # at their own level.
        if divisions is None:
            del self.fields["division"]
        else:
            division = self.fields["division"]
            assert isinstance(division, forms.ModelChoiceField)
            division.queryset = divisions.order_by("code")
        if not has_document:
            del self.fields["remove_document"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        batch, measure = data.get("batch"), data.get("measure")
        if batch is not None and measure is not None and measure.batch_id != batch.pk:
            self.add_error("measure", _("The measure is not one of this batch's."))
        return data
