"""Forms of replicable outcomes; the services hold the rules, these catch what the user can fix
before posting and keep what was typed."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from evaluation.forms.common import ByProgrammeFilterForm
from evaluation.models import Outcome
from evaluation.services.outcomes import OutcomeData
from proposals.models import ReformField
from tasks.models import Task

ANY = [("", "---------")]
SCOPE_CHOICES = Outcome._meta.get_field("recommended_scope").choices or []


class OutcomeFilterForm(ByProgrammeFilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.all_fields.all(), required=False
    )
    scope = forms.ChoiceField(
        label=_("Recommended scope"), choices=[*ANY, *SCOPE_CHOICES], required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[*ANY, *Outcome.State.choices], required=False
    )


class EvaluatedTaskFilterForm(ByProgrammeFilterForm):
    q = forms.CharField(label=_("Search"), required=False)


TEXTAREA = forms.Textarea(attrs={"rows": 6})


class OutcomeForm(forms.Form):
    """The outcome's fields; on a new outcome also its tasks, carried hidden from the step
    where they were chosen."""

    tasks = forms.ModelMultipleChoiceField(
        queryset=Task.objects.none(), widget=forms.MultipleHiddenInput, required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    field = forms.ModelChoiceField(label=_("Reform field"), queryset=ReformField.objects.all())
    summary = forms.CharField(label=_("Summary"), widget=TEXTAREA)
    institutional_change = forms.CharField(
        label=_("Institutional change made"),
        widget=TEXTAREA,
        help_text=_("The rules, measures or documents the reform established."),
    )
    origin = forms.CharField(
        label=_("Where it came from"),
        max_length=300,
        help_text=_("The localities and implementing units whose tasks it comes from."),
    )
    evidence = forms.CharField(label=_("Evidence"), widget=TEXTAREA, required=False)
    recommended_scope = forms.ChoiceField(
        label=_("Recommended scope"), choices=SCOPE_CHOICES, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, tasks: QuerySet[Task] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tasks"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        if tasks is None:
            del self.fields["tasks"]
        else:
            field.queryset = tasks
        # A field retired since (named by an older list) stays selectable for what names it.
        current = self.initial.get("field")
        chosen = self.fields["field"]
        assert isinstance(chosen, forms.ModelChoiceField)
        if current is not None:
            pk = current.pk if isinstance(current, ReformField) else current
            chosen.queryset = ReformField.all_fields.filter(retired=False) | (
                ReformField.all_fields.filter(pk=pk)
            )

    def data_for_service(self) -> OutcomeData:
        data = self.cleaned_data
        return OutcomeData(
            title=data["title"],
            field=data["field"],
            summary=data["summary"],
            institutional_change=data["institutional_change"],
            origin=data["origin"],
            evidence=data["evidence"],
            recommended_scope=data["recommended_scope"],
        )


class ConfirmForm(forms.Form):
    """Nothing to enter: the confirmation page's button posts it."""
