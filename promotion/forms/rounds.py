"""Forms of tracking rounds: opening one, the list's filters, the feedback to a province."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from promotion.models import PromotionBatch, TrackingRound
from promotion.services.rounds import RoundData

ANY = [("", "---------")]


class RoundFilterForm(FilterForm):
    state = forms.ChoiceField(
        label=_("State"), choices=[*ANY, *TrackingRound.State.choices], required=False
    )


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    batches = forms.ModelMultipleChoiceField(
        label=_("Batches"),
        queryset=PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED).order_by(
            "number"
        ),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One or several batches; all of them at once for a national sweep."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    note = forms.CharField(
        label=_("Note to the localities"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def data_for_service(self) -> RoundData:
        data = self.cleaned_data
        return RoundData(
            title=data["title"],
            batches=list(data["batches"]),
            deadline=data["deadline"],
            note=data["note"],
        )


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 12}))


class ConfirmForm(forms.Form):
    """Nothing to enter: the confirmation page's button posts it."""
