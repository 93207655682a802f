"""Forms of progress reports, help requests and the bulk update."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import Programme
from kernel.forms import DateInput, FilterForm
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


def milestone_shown(status: str, done_on: datetime.date | None) -> str:
    """A milestone's figure as the page shows it, kept hidden beside its fields."""
    return f"{status} {done_on.isoformat()}" if done_on else status


def target_shown(actual: Decimal | None) -> str:
    return "" if actual is None else str(actual)


def _parse_milestone_shown(text: str) -> tuple[str, datetime.date | None] | None:
    parts = text.split()
    if len(parts) not in (1, 2) or parts[0] not in Status.values:
        return None
    try:
        return (parts[0], datetime.date.fromisoformat(parts[1]) if len(parts) == 2 else None)
    except ValueError:
        return None


def _parse_target_shown(text: str) -> tuple[Decimal | None] | None:
    """(actual,) or None when the value is damaged; a 1-tuple, as "no actual value" is valid."""
    text = text.strip()
    if not text:
        return (None,)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return (value,) if value.is_finite() else None


class ReportForm(forms.Form):
    """One status and done date per milestone, one actual value per target, and the text.
    Field names carry the milestone or target id, so a rejected form keeps every value.

    Beside each row, hidden, is its figure as the page showed it: the service then writes only
    the rows the implementer changed, and the others keep what the draft holds, which may have
    followed a bulk update made while the page was open."""

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

    def __init__(
        self, *args: Any, report: ProgressReport, submitting: bool = False, **kwargs: Any
    ) -> None:
        # "Save and submit…": what the service requires to submit is checked here already, so
        # that the error shows on this page beside what was typed, not on the next one.
        self.submitting = submitting
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
                widget=DateInput,
            )
            self.fields[f"m{m.pk}_shown"] = forms.CharField(
                required=False,
                widget=forms.HiddenInput,
                initial=milestone_shown(update.status, update.done_on),
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
            self.fields[f"t{t.pk}_shown"] = forms.CharField(
                required=False, widget=forms.HiddenInput, initial=target_shown(t_update.actual)
            )

    def milestone_rows(
        self,
    ) -> list[tuple[Any, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                u,
                self[f"m{u.milestone_id}_status"],
                self[f"m{u.milestone_id}_done_on"],
                self[f"m{u.milestone_id}_shown"],
            )
            for u in self.milestone_updates
        ]

    def target_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (u, self[f"t{u.target_id}_actual"], self[f"t{u.target_id}_shown"])
            for u in self.target_updates
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for update in self.milestone_updates:
            pk = update.milestone_id
            done = data.get(f"m{pk}_status") == Status.DONE
            if done and not data.get(f"m{pk}_done_on") and f"m{pk}_done_on" not in self.errors:
                self.add_error(f"m{pk}_done_on", _("Give the date the milestone was done."))
        if self.submitting and not (data.get("done") or "").strip() and "done" not in self.errors:
            # The same rule as `services.reports.report_submit`, which keeps its own check.
            self.add_error("done", _("Say what was done in this period before submitting."))
        return data

    def _shown(self, name: str) -> str | None:
        """The posted "as shown" value; None when the page did not carry it (one rendered
        before it existed), and every figure then counts as changed."""
        return self.data.get(self.add_prefix(name)) if self.is_bound else None

    def milestone_as_shown(self, pk: int) -> tuple[str, datetime.date | None] | None:
        text = self._shown(f"m{pk}_shown")
        return None if text is None else _parse_milestone_shown(text)

    def target_as_shown(self, pk: int) -> tuple[Decimal | None] | None:
        text = self._shown(f"t{pk}_shown")
        return None if text is None else _parse_target_shown(text)

    def _posted_milestone(self, pk: int) -> tuple[str, datetime.date | None]:
        status = self.cleaned_data[f"m{pk}_status"]
        return (status, self.cleaned_data[f"m{pk}_done_on"] if status == Status.DONE else None)

    def _milestone_untouched(self, pk: int) -> bool:
        shown = self.milestone_as_shown(pk)
        if shown is None:
            return False
        status, done_on = shown
        return self._posted_milestone(pk) == (status, done_on if status == Status.DONE else None)

    def _target_untouched(self, pk: int) -> bool:
        shown = self.target_as_shown(pk)
        return shown is not None and self.cleaned_data[f"t{pk}_actual"] == shown[0]

    def figures(
        self,
    ) -> tuple[list[MilestoneFigure], dict[int, Decimal | None], dict[int, Decimal | None]]:
        """The milestones' figures, the targets' actual values, and those as shown (only for the
        targets whose "as shown" value came back intact)."""
        data = self.cleaned_data
        milestones = [
            MilestoneFigure(
                u.milestone_id,
                data[f"m{u.milestone_id}_status"],
                data[f"m{u.milestone_id}_done_on"],
                shown=self.milestone_as_shown(u.milestone_id),
            )
            for u in self.milestone_updates
        ]
        targets = {u.target_id: data[f"t{u.target_id}_actual"] for u in self.target_updates}
        targets_shown: dict[int, Decimal | None] = {}
        for u in self.target_updates:
            shown = self.target_as_shown(u.target_id)
            if shown is not None:
                targets_shown[u.target_id] = shown[0]
        return milestones, targets, targets_shown

    def rebased(self, report: ProgressReport) -> "ReportForm":
        """This form again on the draft as it is now, once saving was refused because rows
        moved meanwhile: every row's "as shown" becomes its current figure, and the rows the
        implementer left as shown show that figure. Saving again then writes only what they
        typed, and keeps the rest as it now is."""
        # Every field of this form holds one value.
        data = dict(self.data.items())
        fresh = ReportForm(data, report=report, submitting=self.submitting)
        for update in fresh.milestone_updates:
            pk = update.milestone_id
            if self._milestone_untouched(pk):
                data[f"m{pk}_status"] = update.status
                data[f"m{pk}_done_on"] = update.done_on.isoformat() if update.done_on else ""
            data[f"m{pk}_shown"] = milestone_shown(update.status, update.done_on)
        for t_update in fresh.target_updates:
            pk = t_update.target_id
            if self._target_untouched(pk):
                data[f"t{pk}_actual"] = target_shown(t_update.actual)
            data[f"t{pk}_shown"] = target_shown(t_update.actual)
        return fresh


class UnchangedReportForm(forms.Form):
    """Filing a period's report as "no change this period" (本期无变化): the period, hidden,
    and the narrative, prefilled (预填) and editable."""

    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    period = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=12)
    narrative = forms.CharField(
        label=_("What was done in this period"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class BatchUnchangedForm(forms.Form):
    """The due reports to file unchanged at once, one checkbox each (`task-year-period`)."""

    items = forms.MultipleChoiceField(
        label=_("Reports to file unchanged"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one report.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices

    @staticmethod
    def key(task_id: int, year: int, period: int) -> str:
        return f"{task_id}-{year}-{period}"

    def clean_items(self) -> list[tuple[int, int, int]]:
        found = []
        for value in self.cleaned_data["items"]:
            task_id, year, period = (int(part) for part in value.split("-"))
            found.append((task_id, year, period))
        return found


class ReviewReportForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the implementer (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


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
