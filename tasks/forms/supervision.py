"""Forms of supervision (督查) and fault tolerance (容错纠错); the services hold the rules,
these only catch what the user can fix before posting."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from claims.models import Programme
from kernel.forms import DateInput, FilterForm
from tasks.models import Inspection, ToleranceFiling
from tasks.selectors import programmes_with_tasks

TEXTAREA = forms.Textarea(attrs={"rows": 4})
ANY = [("", "---------")]


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Inspection.Kind.choices, widget=forms.RadioSelect
    )
    inspected_on = forms.DateField(label=_("Date"), widget=DateInput)
    findings = forms.CharField(label=_("Findings"), widget=TEXTAREA)
    rectification = forms.CharField(
        label=_("Rectification required"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Leave empty when nothing needs rectifying: the inspection is then closed."),
    )
    rectify_by = forms.DateField(label=_("Rectify by"), widget=DateInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"inspected_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("rectification") or "").strip() and not data.get("rectify_by"):
            self.add_error("rectify_by", _("Give the date by which the rectification is due."))
        return data


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Follow-up note"),
        widget=TEXTAREA,
        help_text=_("What was rectified, or what the check found."),
    )


class CloseInspectionForm(forms.Form):
    note = forms.CharField(
        label=_("Why the rectification can be closed"),
        widget=TEXTAREA,
    )


class ToleranceForm(forms.Form):
    what_went_wrong = forms.CharField(label=_("What went wrong"), widget=TEXTAREA)
    good_faith = forms.CharField(
        label=_("Why it was a good-faith exploration"),
        widget=TEXTAREA,
        help_text=_(
            "For example: the step followed the approved plan, was decided collectively, "
            "sought no private gain, and the losses were stopped once found."
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ToleranceFiling.State.ACCEPTED, ToleranceFiling.State.ACCEPTED.label),
            (ToleranceFiling.State.REJECTED, ToleranceFiling.State.REJECTED.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason for the decision"), widget=TEXTAREA)
    deciding_body = forms.CharField(
        label=_("Deciding body"),
        max_length=200,
        help_text=_(
            "The organisation or department taking the decision; by default the locality "
            "running the task."
        ),
    )
    measures_title = forms.CharField(
        label=_("Implementing measures applied"),
        max_length=200,
        help_text=_(
            "The title of the fault-tolerance implementing measures (实施办法) the decision "
            "follows, as issued."
        ),
    )
    measures_number = forms.CharField(
        label=_("Document number of the measures"),
        max_length=100,
        help_text=_("As printed on the document."),
    )


class _ProgrammeFilter(FilterForm):
    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme = self.fields["programme"]
        assert isinstance(programme, forms.ModelChoiceField)
        programme.queryset = programmes_with_tasks(user)


class InspectionFilterForm(_ProgrammeFilter):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=ANY + list(Inspection.State.choices), required=False
    )
    overdue = forms.BooleanField(label=_("Rectification overdue"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ANY + list(Inspection.Kind.choices), required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )


class ToleranceFilterForm(_ProgrammeFilter):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("Decision"), choices=ANY + list(ToleranceFiling.State.choices), required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )
