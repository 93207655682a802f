"""Forms of progress reports, help requests and the bulk update."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import Programme
from jiebang.forms import FilterForm
from tasks import periods
from tasks.models import HelpRequest, ProgressReport, Status
from tasks.services.reports import MilestoneFigure


class StartReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_period(self) -> periods.Period:
        found = periods.parse(self.cleaned_data["period"])
        if found is None:
            raise forms.ValidationError(_("Choose a period."))
        return found


class ReportForm(forms.Form):
    """One status and done date per milestone, one actual value per target, and the text.
    Field names carry the milestone or target id, so a rejected form keeps every value."""

    done = forms.CharField(
        label=_("What was done in this period"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    problems = forms.CharField(
        label=_("Problems met"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    help_needed = forms.CharField(
        label=_("Help needed (leave empty if none)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, report: ProgressReport, **kwargs: Any) -> None:
        self.milestone_updates = list(
            report.milestones.select_related("milestone").order_by("milestone__position")
        )
        self.target_updates = list(
            report.targets.select_related("target").order_by("target__position")
        )
        kwargs.setdefault(
            "initial",
            {"done": report.done, "problems": report.problems, "help_needed": report.help_needed},
        )
        super().__init__(*args, **kwargs)
        for update in self.milestone_updates:
            m = update.milestone
            self.fields[f"m{m.pk}_status"] = forms.ChoiceField(
                label=_("Status of milestone %(n)s") % {"n": m.position},
                choices=Status.choices,
                initial=update.status,
            )
            self.fields[f"m{m.pk}_done_on"] = forms.DateField(
                label=_("Done on (milestone %(n)s)") % {"n": m.position},
                required=False,
                initial=update.done_on,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        for t_update in self.target_updates:
            t = t_update.target
            self.fields[f"t{t.pk}_actual"] = forms.DecimalField(
                label=_("Actual value of target %(n)s (%(unit)s)")
                % {"n": t.position, "unit": t.unit},
                required=False,
                max_digits=16,
                decimal_places=2,
                initial=t_update.actual,
            )

    def milestone_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (u, self[f"m{u.milestone_id}_status"], self[f"m{u.milestone_id}_done_on"])
            for u in self.milestone_updates
        ]

    def target_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(u, self[f"t{u.target_id}_actual"]) for u in self.target_updates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for update in self.milestone_updates:
            pk = update.milestone_id
            done = data.get(f"m{pk}_status") == Status.DONE
            if done and not data.get(f"m{pk}_done_on") and f"m{pk}_done_on" not in self.errors:
                self.add_error(f"m{pk}_done_on", _("Give the date the milestone was done."))
        return data

    def figures(self) -> tuple[list[MilestoneFigure], dict[int, Decimal | None]]:
        data = self.cleaned_data
        milestones = [
            MilestoneFigure(
                u.milestone_id,
                data[f"m{u.milestone_id}_status"],
                data[f"m{u.milestone_id}_done_on"],
            )
            for u in self.milestone_updates
        ]
        targets = {u.target_id: data[f"t{u.target_id}_actual"] for u in self.target_updates}
        return milestones, targets


class SubmitReportForm(forms.Form):
    help_level = forms.ChoiceField(
        label=_("Address the request for help to"),
        choices=HelpRequest.Level.choices,
        initial=HelpRequest.Level.LOCALITY,
        help_text=_(
            "The locality coordinator acts on what is within the province's authority; "
            "what needs national authority goes to the national coordinator."
        ),
    )

    def __init__(self, *args: Any, help_needed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not help_needed:
            del self.fields["help_level"]


class HelpRequestForm(forms.Form):
    text = forms.CharField(label=_("What help is needed"), widget=forms.Textarea(attrs={"rows": 5}))
    level = forms.ChoiceField(
        label=_("Address it to"),
        choices=HelpRequest.Level.choices,
        initial=HelpRequest.Level.LOCALITY,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why the national coordinator must act on it"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class HelpFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", "---------"), *HelpRequest.State.choices],
        required=False,
    )
    level = forms.ChoiceField(
        label=_("Addressed to"),
        choices=[("", "---------"), *HelpRequest.Level.choices],
        required=False,
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in sheet (.xlsx)"),
        help_text=_("The sheet downloaded from this page, with the marked columns changed."),
    )
