"""Forms of the ranking's formula and of incentive decisions; the services hold the rules."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.models import Claimant, Programme
from evaluation.forms.common import ByProgrammeFilterForm
from evaluation.models import IncentiveDecision, TaskEvaluation
from evaluation.selectors.incentives import LOCALITY, UNIT
from evaluation.services.incentives import MAX_WEIGHT
from kernel.forms import DateInput, FilterForm
from lists.authorities import ANNUAL_LIST_ISSUERS
from regions.models import Organisation

ANY = [("", "---------")]
TEXTAREA = forms.Textarea(attrs={"rows": 4})
BENEFICIARY_KINDS = [(LOCALITY, _("locality")), (UNIT, _("implementing unit"))]


def _weight(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=MAX_WEIGHT, decimal_places=2, max_digits=6
    )


class FormulaForm(forms.Form):
    completion = _weight(_("Weight of completion"))
    evaluation = _weight(_("Weight of the evaluation score"))
    progress = _weight(_("Weight of progress"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, widget=TEXTAREA)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(name) for name in ("completion", "evaluation", "progress")]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError(_("At least one weight must be more than 0."))
        return data


class RankingFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes

    def chosen_programme(self) -> Programme | None:
        """The programme asked for, or the newest with tasks."""
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        if self.is_bound and self.is_valid() and self.cleaned_data.get("programme"):
            chosen: Programme = self.cleaned_data["programme"]
            return chosen
        programmes = field.queryset
        assert programmes is not None
        first: Programme | None = programmes.first()
        return first


class DecisionFilterForm(ByProgrammeFilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    form = forms.ChoiceField(
        label=_("Form"), choices=[*ANY, *IncentiveDecision.Form.choices], required=False
    )
    beneficiary = forms.ChoiceField(
        label=_("Beneficiary"), choices=[*ANY, *BENEFICIARY_KINDS], required=False
    )


class RegisterFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    beneficiary = forms.ChoiceField(
        label=_("Beneficiary"), choices=[*ANY, *BENEFICIARY_KINDS], required=False
    )


class ClaimantChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.programme.title}"


class BeneficiaryForm(forms.Form):
    """Step 1 of a decision (a GET form): whom it is for."""

    claimant = ClaimantChoice(label=_("Locality"), queryset=Claimant.objects.none(), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Implementing unit"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        claimants: QuerySet[Claimant],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("claimant", claimants), ("organisation", organisations)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("claimant")) == bool(data.get("organisation")):
            raise forms.ValidationError(
                _("Choose one beneficiary: a locality or an implementing unit.")
            )
        return data


class EvaluationChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        score = obj.score if obj.score is not None else "—"
        rating = obj.get_rating_display() or "—"
        return f"{obj.task.title} · {obj.commission.title} · {rating} · {score}"


class DecisionForm(forms.Form):
    form = forms.ChoiceField(
        label=_("Form"), choices=IncentiveDecision.Form.choices, widget=forms.RadioSelect
    )
    form_detail = forms.CharField(
        label=_("Details of the form"),
        max_length=300,
        required=False,
        help_text=_("Required for another form; for priority support, the projects concerned."),
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA)
    approving_authority = forms.CharField(label=_("Approving authority"), max_length=200)
    decided_on = forms.DateField(label=_("Date of decision"), widget=DateInput)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    evaluations = EvaluationChoice(
        label=_("Evaluations it rests on"),
        queryset=TaskEvaluation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The delivered evaluations of the beneficiary's own tasks."),
    )

    def __init__(self, *args: Any, evaluations: QuerySet[TaskEvaluation], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"approving_authority": ANNUAL_LIST_ISSUERS, "decided_on": timezone.localdate()},
        )
        super().__init__(*args, **kwargs)
        field = self.fields["evaluations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = evaluations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("form") == IncentiveDecision.Form.OTHER
            and not (data.get("form_detail") or "").strip()
        ):
            self.add_error("form_detail", _("Describe the form of the incentive."))
        return data
