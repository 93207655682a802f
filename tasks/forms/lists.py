"""Filters of the task index and the lists."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.actors import Actor
from claims.models import Claimant, Programme
from kernel.forms import FilterForm
from tasks import rules, selectors
from tasks.models import Closure, Task


class ClaimantChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Claimant) -> str:
        return f"{obj.short_name} · {obj.programme.title}"


class TaskFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )
    claimant = ClaimantChoice(label=_("Claimant"), queryset=Claimant.objects.none(), required=False)
    plan_state = forms.ChoiceField(
        label=_("Plan"), choices=[("", "---------"), *Task.PlanState.choices], required=False
    )
    closure = forms.ChoiceField(
        label=_("Close-out"), choices=[("", "---------"), *Closure.choices], required=False
    )
    landmark = forms.BooleanField(label=_("Landmark items only"), required=False)

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = selectors.programmes_with_tasks(user)  # type: ignore[attr-defined]
        claimants = selectors.claimants_visible_to(user)
        if roles.is_national(user) or (rules.can_view_task_lists(user) and claimants.count() > 1):
            # The national level, or a province that also oversees its zones' tasks.
            self.fields["claimant"].queryset = claimants  # type: ignore[attr-defined]
        else:
            # A locality with one claimant and an implementer have none to pick.
            del self.fields["claimant"]


class SearchForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
