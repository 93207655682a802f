"""Forms of the indicator system, the scoring of a task, the report and the scores list. They
only shape input; the rules live in `evaluation.services.scoring`."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from claims.models import Claimant
from evaluation.indicators import IndicatorRow
from evaluation.models import Indicator, Recommendation, Score, TaskEvaluation
from evaluation.selectors.scoring import UNSCORED
from evaluation.services.scoring import MAX_INDICATORS, ScoreRow
from kernel.forms import FilterForm

ANY = [("", "---------")]


class IndicatorForm(forms.Form):
    """One row of the indicator system. A blank row starts empty (no dimension chosen, no
    weight), so that it reads as room for a new indicator, not as one more indicator, and is
    ignored when left so."""

    dimension = forms.ChoiceField(
        label=_("Dimension"), choices=ANY + list(Indicator.Dimension.choices)
    )
    name = forms.CharField(label=_("Indicator"), max_length=200)
    guidance = forms.CharField(
        label=_("What to look at"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )

    def row(self) -> IndicatorRow:
        d = self.cleaned_data
        return IndicatorRow(d["dimension"], d["name"], d.get("guidance") or "", d["weight"])


IndicatorFormSet = formset_factory(
    IndicatorForm, extra=2, can_delete=True, max_num=MAX_INDICATORS, validate_max=True
)


def indicator_initial(indicators: Sequence[Indicator]) -> list[dict[str, Any]]:
    return [
        {"dimension": i.dimension, "name": i.name, "guidance": i.guidance, "weight": i.weight}
        for i in indicators
    ]


class ScoreForm(forms.Form):
    """A score (0–100) and its evidence for every indicator, then the task's findings and
    recommendation. A score without evidence, or evidence without a score, is refused."""

    findings = forms.CharField(
        label=_("Evaluation findings"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    recommendation = forms.ChoiceField(
        label=_("Replication recommendation"),
        choices=ANY + list(Recommendation.choices),
        required=False,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        indicators: Sequence[Indicator],
        evaluation: TaskEvaluation,
        scores: dict[int, Score],
    ) -> None:
        initial: dict[str, Any] = {
            "findings": evaluation.findings,
            "recommendation": evaluation.recommendation,
        }
        for indicator in indicators:
            found = scores.get(indicator.pk)
            if found is not None:
                initial[f"score_{indicator.pk}"] = found.value
                initial[f"evidence_{indicator.pk}"] = found.evidence
        super().__init__(data, initial=initial)
        self.indicators = list(indicators)
        fields: dict[str, forms.Field] = {}
        for indicator in self.indicators:
            fields[f"score_{indicator.pk}"] = forms.DecimalField(
                label=_("Score"),
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=4,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100"}),
            )
            fields[f"evidence_{indicator.pk}"] = forms.CharField(
                label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}), required=False
            )
        # The indicators first, in order, then the findings and the recommendation.
        fields.update(self.fields)
        self.fields = fields

    def pairs(self) -> list[tuple[Indicator, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"score_{i.pk}"], self[f"evidence_{i.pk}"]) for i in self.indicators]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for indicator in self.indicators:
            value = data.get(f"score_{indicator.pk}")
            evidence = (data.get(f"evidence_{indicator.pk}") or "").strip()
            if value is not None and not evidence:
                self.add_error(f"evidence_{indicator.pk}", _("Give the evidence for this score."))
            if value is None and evidence and f"score_{indicator.pk}" not in self.errors:
                self.add_error(f"score_{indicator.pk}", _("Give the score for this evidence."))
        return data

    def rows(self) -> list[ScoreRow]:
        d = self.cleaned_data
        return [
            ScoreRow(i.pk, d.get(f"score_{i.pk}"), d.get(f"evidence_{i.pk}") or "")
            for i in self.indicators
        ]


class DeliverForm(forms.Form):
    findings = forms.CharField(
        label=_("Overall findings"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the evaluation found across the tasks of the commission."),
    )


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Signed report"),
        help_text=_("PDF, OFD or Word (.docx): the report as signed and stamped by the institute."),
    )


class ScoreFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    claimant = forms.ModelChoiceField(
        label=_("Locality"), queryset=Claimant.objects.none(), required=False
    )
    rating = forms.ChoiceField(
        label=_("Rating"),
        choices=ANY + list(TaskEvaluation.Rating.choices) + [(UNSCORED, _("not scored yet"))],
        required=False,
    )
    recommendation = forms.ChoiceField(
        label=_("Replication recommendation"),
        choices=ANY + list(Recommendation.choices),
        required=False,
    )

    def __init__(self, *args: Any, claimants: QuerySet[Claimant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claimant"].queryset = claimants  # type: ignore[attr-defined]
