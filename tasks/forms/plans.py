"""Forms of a task's set-up and plan. They only shape input; the rules live in
tasks.services.plans."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from kernel.forms import DatalistInput, DateInput
from regions.models import Division, Organisation
from tasks.models import Task
from tasks.selectors import prefill
from tasks.services.plans import IMPLEMENTING_KINDS, MilestoneRow, TargetRow

MAX_ROWS = 50


class TaskSetupForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "responsible_person",
            "responsible_post",
            "responsible_phone",
            "landmark",
            "weight",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].required = True
        self.fields["weight"].validators.append(MinValueValidator(Decimal("0.01")))
        self.fields["weight"].help_text = _(
            "How much this task counts in the claimant's progress (1 = like any other)."
        )
        task = self.instance
        if not self.is_bound and task.pk and not task.responsible_person:
            self._suggest_responsible(task)
        if task.pk:
            self._offer_used(task)

    def _offer_used(self, task: Task) -> None:
        """The names, posts and phones of the locality's other tasks, to pick from."""
        used = prefill.responsible_people_used(task)
        for key in ("person", "post", "phone"):
            field = self.fields[f"responsible_{key}"]
            field.widget = DatalistInput(options=used[key], attrs=field.widget.attrs)

    def _suggest_responsible(self, task: Task) -> None:
        """Nobody named yet: the contact of the locality's proposal behind the measure is
        suggested (一表多用), and the user confirms by saving."""
        suggestion = prefill.responsible_suggestion(task)
        if suggestion is None:
            return
        self.initial["responsible_person"] = suggestion.person
        if not task.responsible_phone and suggestion.phone:
            self.initial["responsible_phone"] = suggestion.phone
        self.fields["responsible_person"].help_text = _(
            "Suggested from the contact of this locality's proposal “%(title)s”; "
            "change it if someone else answers for the task."
        ) % {"title": suggestion.proposal.title}


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.division.name}）"


class ImplementerForm(forms.Form):
    """Name an organisation already registered, or register a new one by name and kind."""

    organisation = OrganisationChoice(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    new_name = forms.CharField(
        label=_("Or a new organisation: name"), max_length=200, required=False
    )
    new_kind = forms.ChoiceField(label=_("Kind of the new organisation"), required=False)
    new_division = forms.ModelChoiceField(
        label=_("Where the new organisation is"), queryset=Division.objects.none(), required=False
    )
    lead = forms.BooleanField(label=_("Lead implementer"), required=False)
    responsibility = forms.CharField(
        label=_("Responsibility"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What this body answers for (shown in the responsibility list)."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        divisions: QuerySet[Division],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        kinds = dict(Organisation.Kind.choices)
        self.fields["new_kind"].choices = [("", "---------")] + [  # type: ignore[attr-defined]
            (kind.value, kinds[kind.value]) for kind in IMPLEMENTING_KINDS
        ]
        if divisions.count() == 1:
            # A province, or a group of one member, registers in that one division (the
            # service fills it in): nothing to choose.
            del self.fields["new_division"]
        else:
            self.fields["new_division"].queryset = divisions  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        existing, name = data.get("organisation"), (data.get("new_name") or "").strip()
        if existing and name:
            raise forms.ValidationError(
                _("Either choose an organisation or name a new one, not both.")
            )
        if not existing and not name:
            raise forms.ValidationError(_("Choose an organisation or name a new one."))
        if name and not data.get("new_kind"):
            self.add_error("new_kind", _("Choose the kind of the new organisation."))
        if name and "new_division" in self.fields and not data.get("new_division"):
            self.add_error("new_division", _("Choose where the new organisation is."))
        return data


class ImplementerEditForm(forms.Form):
    lead = forms.BooleanField(label=_("Lead implementer"), required=False)
    responsibility = forms.CharField(
        label=_("Responsibility"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PlanForm(forms.Form):
    timetable = forms.CharField(
        label=_("Timetable"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    roadmap = forms.CharField(
        label=_("Roadmap"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class MilestoneForm(forms.Form):
    """A node task (节点任务) row of the plan."""

    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)
    deliverable = forms.CharField(label=_("Deliverable"), max_length=200, required=False)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2, initial=1
    )

    def row(self) -> MilestoneRow:
        d = self.cleaned_data
        return MilestoneRow(d["title"], d["due_on"], d.get("deliverable") or "", d["weight"])


class TargetForm(forms.Form):
    indicator = forms.CharField(label=_("Indicator"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=2)
    target_value = forms.DecimalField(label=_("Target value"), max_digits=16, decimal_places=2)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2, initial=1
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        baseline, target = data.get("baseline"), data.get("target_value")
        if baseline is not None and target is not None and baseline == target:
            self.add_error("target_value", _("The target value must differ from the baseline."))
        return data

    def row(self) -> TargetRow:
        d = self.cleaned_data
        return TargetRow(
            d["indicator"], d["unit"], d["baseline"], d["target_value"], d["due_on"], d["weight"]
        )


MilestoneFormSet = formset_factory(
    MilestoneForm, extra=2, can_delete=True, max_num=MAX_ROWS, validate_max=True
)
TargetFormSet = formset_factory(
    TargetForm, extra=2, can_delete=True, max_num=MAX_ROWS, validate_max=True
)


def kept_rows(formset: Any) -> list[Any]:
    """The rows of a valid formset, in order: the plan's rows unless deleted, and the blank
    rows the user filled in."""
    initial = formset.initial_form_count()
    return [
        form.row()
        for number, form in enumerate(formset.forms)
        if (number < initial or form.has_changed()) and not formset._should_delete_form(form)
    ]
