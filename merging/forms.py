from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kernel.forms import FilterForm, national_authority_filter
from merging.models import CandidateMeasure, SuggestedGroup
from proposals.models import Cycle, Proposal, ReformField
from regions.models import Division


def _provinces() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.PROVINCE)


class CandidateForm(forms.ModelForm):
    """The candidate measure as the coordinator writes it."""

    class Meta:
        model = CandidateMeasure
        fields = ["title", "content", "field", "needs_national_authority", "ministries"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}
        help_texts = {
            "content": _("Prefilled with every source's content: rewrite it as one measure."),
            "ministries": _("Required when the measure needs national authority."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_choice = self.fields["field"]
        assert isinstance(field_choice, forms.ModelChoiceField)
        field_choice.queryset = ReformField.objects.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("needs_national_authority") and not (data.get("ministries") or "").strip():
            self.add_error(
                "ministries", _("Name the ministries concerned when national authority is needed.")
            )
        return data


class MemberLabels(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} — {obj.locality.name}"


class SplitForm(forms.Form):
    move = MemberLabels(
        label=_("Proposals to move into a new group"),
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: SuggestedGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        move = self.fields["move"]
        assert isinstance(move, forms.ModelMultipleChoiceField)
        move.queryset = group.proposals.select_related("locality").order_by("locality__code", "pk")


class GroupChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        titles = "；".join(p.title for p in obj.proposals.all())
        return f"#{obj.pk} ({obj.score:.2f}) {titles}"


class JoinForm(forms.Form):
    other = GroupChoice(label=_("Join with group"), queryset=SuggestedGroup.objects.none())

    def __init__(self, *args: Any, group: SuggestedGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        other = self.fields["other"]
        assert isinstance(other, forms.ModelChoiceField)
        other.queryset = (
            SuggestedGroup.objects.filter(cycle_id=group.cycle_id, state=SuggestedGroup.State.OPEN)
            .exclude(pk=group.pk)
            .prefetch_related("proposals")
            .order_by("-score", "pk")
        )


class GroupFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            (SuggestedGroup.State.OPEN, _("suggested")),
            (SuggestedGroup.State.IGNORED, _("ignored")),
            (SuggestedGroup.State.ACCEPTED, _("accepted")),
        ],
        required=False,
    )
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=_provinces(), required=False)


class RemainingFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=_provinces(), required=False)


class CandidateFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all(), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    locality = forms.ModelChoiceField(
        label=_("Source locality"), queryset=_provinces(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Sources"),
        choices=[
            ("", "---------"),
            ("merged", _("merged from several proposals")),
            ("single", _("from one proposal")),
        ],
        required=False,
    )
    national = national_authority_filter()
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("created", _("newest first")),
            ("-created", _("oldest first")),
            ("title", _("title")),
            ("cycle", _("cycle")),
            ("sources", _("number of sources")),
        ],
        required=False,
    )
