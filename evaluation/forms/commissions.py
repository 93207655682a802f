"""Forms of commissioned evaluations (委托评估); the services hold the rules, these only catch
what the user can fix before posting."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from claims.models import Claimant, Programme
from evaluation.models import Commission, FieldVisit
from evaluation.selectors import commissions as reads
from evaluation.services.commissions import standard_independence
from kernel.forms import DateInput, FilterForm
from regions.models import Organisation, RegionGroup
from tasks.models import Task

TEXTAREA = forms.Textarea(attrs={"rows": 4})
ANY = [("", "---------")]
Scope = Commission.Scope


def closure_label(task: Task) -> str:
    if task.closed_on is not None:
        return f"{task.get_closure_display()} {task.closed_on.isoformat()}"
    return str(task.get_closure_display())


class TaskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.claimant} · {obj.title} · {closure_label(obj)} · {obj.programme.title}"


class ClaimantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.programme.title}"


class ScopedTaskField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.claimant} · {obj.title}"


class _Terms(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Start date"), widget=DateInput)
    ends_on = forms.DateField(label=_("End date"), widget=DateInput)
    terms_of_reference = forms.CharField(
        label=_("Terms of reference"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the evaluator is asked to evaluate, how, and what it delivers."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        return data


class CommissionForm(_Terms):
    """Commissioning for one kind of scope (`scope`): the common terms, then the object of
    that scope. Only the fields of the scope are kept."""

    evaluator = forms.ModelChoiceField(
        label=_("Third-party evaluator"), queryset=Organisation.objects.none()
    )
    tasks = TaskChoiceField(
        label=_("Tasks"), queryset=Task.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    claimant = ClaimantChoiceField(label=_("Locality"), queryset=Claimant.objects.none())
    all_programmes = forms.BooleanField(
        label=_("The locality's tasks in every programme, not only in this one"), required=False
    )
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    region_group = forms.ModelChoiceField(
        label=_("Experiment region"), queryset=RegionGroup.objects.none()
    )
    include_open = forms.BooleanField(
        label=_("Include tasks still being implemented (a mid-term or follow-up evaluation)"),
        required=False,
        help_text=_("Without it, the scope takes the tasks closed out (验收) only."),
    )
    # The declaration is the evaluator's; the national level records it as received.
    independence = forms.CharField(
        label=_("Independence declaration given by the evaluator"),
        widget=TEXTAREA,
        help_text=_(
            "The national level records the declaration as received from the evaluator; the "
            "history says so. The platform's standard wording is only a starting point: "
            "replace it with the text the evaluator gave. An organisation that implements a "
            "task in the scope cannot evaluate it: the platform refuses such a commission."
        ),
    )

    FIELDS = {
        Scope.TASKS: ["tasks"],
        Scope.LOCALITY: ["claimant", "all_programmes", "include_open"],
        Scope.PROGRAMME: ["programme", "include_open"],
        Scope.REGION: ["region_group", "programme", "include_open"],
    }
    SCOPE_FIELDS = {"tasks", "claimant", "all_programmes", "programme", "region_group"}

    def __init__(
        self, *args: Any, scope: str, tasks: QuerySet[Task] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"independence": standard_independence()})
        super().__init__(*args, **kwargs)
        self.scope = scope
        keep = set(self.FIELDS[Scope(scope)])
        for name in [*self.SCOPE_FIELDS, "include_open"]:
            if name not in keep:
                del self.fields[name]
        self._queryset("evaluator", reads.evaluator_choices())
        if "tasks" in self.fields:
            self._queryset("tasks", tasks if tasks is not None else Task.objects.none())
        if "claimant" in self.fields:
            self._queryset("claimant", reads.claimant_choices())
        if "programme" in self.fields:
            self._queryset("programme", reads.programme_choices())
            if scope == Scope.REGION:
                self.fields["programme"].required = False
                self.fields["programme"].help_text = _(
                    "Empty: the region's tasks of every programme."
                )
        if "region_group" in self.fields:
            self._queryset("region_group", reads.region_choices())
        # The order on the page: what is evaluated, by whom, when, on what terms.
        order = [*self.FIELDS[Scope(scope)], "evaluator", "title", "starts_on", "ends_on"]
        self.order_fields([*order, "terms_of_reference", "independence"])

    def _queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "scope": self.scope,
            "title": data["title"],
            "evaluator": data["evaluator"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "terms_of_reference": data["terms_of_reference"],
            "independence": data["independence"],
            "closed_only": not data.get("include_open", False),
        }
        for name in ("tasks", "claimant", "programme", "region_group", "all_programmes"):
            if name in data and data[name] is not None:
                kwargs[name] = list(data[name]) if name == "tasks" else data[name]
        return kwargs


class CommissionEditForm(_Terms):
    pass


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=200)
    task = ScopedTaskField(
        label=_("Task visited"),
        queryset=Task.objects.none(),
        required=False,
        help_text=_("Empty: a visit about the scope as a whole."),
    )
    met = forms.CharField(label=_("Who was met"), widget=TEXTAREA, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["task"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = reads.commission_tasks(commission)


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, OFD or an image (JPG, PNG)."),
    )
    task = ScopedTaskField(
        label=_("Task"),
        queryset=Task.objects.none(),
        required=False,
        help_text=_("Empty: evidence about the scope as a whole."),
    )
    visit = forms.ModelChoiceField(
        label=_("Collected on the visit"), queryset=FieldVisit.objects.none(), required=False
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        task = self.fields["task"]
        visit = self.fields["visit"]
        assert isinstance(task, forms.ModelChoiceField)
        assert isinstance(visit, forms.ModelChoiceField)
        task.queryset = reads.commission_tasks(commission)
        visit.queryset = reads.commission_visits(commission)


class CommissionFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=ANY + list(Commission.State.choices), required=False
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ANY + list(Commission.Scope.choices), required=False
    )
    evaluator = forms.ModelChoiceField(
        label=_("Third-party evaluator"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evaluator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = reads.evaluators_for(user)
