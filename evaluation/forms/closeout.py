"""Forms of close-out (验收): the close-out report with one line per target and milestone of
the plan, an institutional document, the steps' notes, and the index filters."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import CloseOut
from evaluation.selectors.closeout import MilestoneLine, TargetLine
from evaluation.services.closeout import MilestoneRow, TargetRow
from kernel.forms import DateInput, FilterForm
from tasks.models import Status, ToleranceFiling


class FilingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ToleranceFiling) -> str:
        decided = obj.decided_at.date().isoformat() if obj.decided_at else ""
        return f"{decided} · {obj.what_went_wrong[:60]}"


class CloseOutForm(forms.Form):
    """The report. Field names carry the target or milestone id, so a rejected form keeps
    every value the user typed. `filing` (the "save and file" button) checks at once, on the
    form, everything filing needs (`evaluation.services.closeout.closeout_submit`); a draft
    may be saved without a summary. Without a filing decided as tolerated the form has no
    `tolerance_filing` field (`has_filings`)."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=CloseOut.Result.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the task was completed.")},
    )
    summary = forms.CharField(
        label=_("Summary of the work done"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("Required to file the report; a draft may be saved without it."),
    )
    cases = forms.CharField(
        label=_("Typical cases"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    proposed_outcomes = forms.CharField(
        label=_("Proposed replicable outcomes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Reform outcomes you propose for replication and promotion "
            "(可复制推广的改革成果); the national level distils them."
        ),
    )
    not_completed_reason = forms.CharField(
        label=_("Why it was not completed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required when the task was not completed."),
    )
    tolerance_filing = FilingChoice(
        label=_("Fault-tolerance filing it rests on"),
        queryset=ToleranceFiling.objects.none(),
        required=False,
        help_text=_(
            "Optional. Only the task's own filings decided as tolerated can be chosen "
            "(the platform's rule)."
        ),
    )

    def __init__(
        self,
        *args: Any,
        targets: list[TargetLine],
        milestones: list[MilestoneLine],
        filings: Any,
        filing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target_lines = targets
        self.milestone_lines = milestones
        self.filing = filing
        self.has_filings = filings.exists()
        if self.has_filings:
            field = self.fields["tolerance_filing"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = filings
        else:
            del self.fields["tolerance_filing"]
        for line in targets:
            t = line.target
            self.fields[f"t{t.pk}_achieved"] = forms.DecimalField(
                label=_("Achieved value of target %(n)s (%(unit)s)")
                % {"n": t.position, "unit": t.unit},
                required=False,
                max_digits=16,
                decimal_places=2,
                initial=line.achieved,
            )
            self.fields[f"t{t.pk}_note"] = forms.CharField(
                label=_("Note on target %(n)s") % {"n": t.position},
                required=False,
                max_length=300,
                initial=line.note,
            )
        for m_line in milestones:
            m = m_line.milestone
            self.fields[f"m{m.pk}_status"] = forms.ChoiceField(
                label=_("Status of milestone %(n)s") % {"n": m.position},
                choices=Status.choices,
                initial=m_line.status,
            )
            self.fields[f"m{m.pk}_done_on"] = forms.DateField(
                label=_("Done on (milestone %(n)s)") % {"n": m.position},
                required=False,
                initial=m_line.done_on,
                widget=DateInput,
            )

    def target_rows(self) -> list[tuple[TargetLine, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"t{line.target.pk}_achieved"], self[f"t{line.target.pk}_note"])
            for line in self.target_lines
        ]

    def milestone_rows(self) -> list[tuple[MilestoneLine, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"m{line.milestone.pk}_status"], self[f"m{line.milestone.pk}_done_on"])
            for line in self.milestone_lines
        ]

    def text_fields(self) -> list[forms.BoundField]:
        names = ["summary", "cases", "proposed_outcomes"]
        return [self[name] for name in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for line in self.milestone_lines:
            pk = line.milestone.pk
            done = data.get(f"m{pk}_status") == Status.DONE
            if done and not data.get(f"m{pk}_done_on") and f"m{pk}_done_on" not in self.errors:
                self.add_error(f"m{pk}_done_on", _("Give the date the milestone was done."))
            day = data.get(f"m{pk}_done_on")
            if done and isinstance(day, datetime.date) and day > timezone.localdate():
                self.add_error(f"m{pk}_done_on", _("The date cannot be in the future."))
        not_completed = data.get("result") == CloseOut.Result.NOT_COMPLETED
        if not_completed and not (data.get("not_completed_reason") or "").strip():
            self.add_error("not_completed_reason", _("Say why the task was not completed."))
        if self.filing and not (data.get("summary") or "").strip():
            self.add_error("summary", _("Write the summary of the work done before filing."))
        return data

    def rows(self) -> tuple[list[TargetRow], list[MilestoneRow]]:
        data = self.cleaned_data
        targets = []
        for line in self.target_lines:
            pk = line.target.pk
            achieved: Decimal | None = data.get(f"t{pk}_achieved")
            targets.append(TargetRow(pk, achieved, data.get(f"t{pk}_note") or ""))
        milestones = []
        for m_line in self.milestone_lines:
            pk = m_line.milestone.pk
            status = data[f"m{pk}_status"]
            done_on = data.get(f"m{pk}_done_on") if status == Status.DONE else None
            milestones.append(MilestoneRow(pk, status, done_on))
        return targets, milestones

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "result": data["result"],
            "summary": data["summary"],
            "cases": data["cases"],
            "proposed_outcomes": data["proposed_outcomes"],
            "not_completed_reason": data["not_completed_reason"],
            "tolerance_filing": data.get("tolerance_filing"),
        }


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Date of issue"), widget=DateInput)
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, OFD, Word, Excel or an image; optional."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConfirmForm(forms.Form):
    """A confirmation step with nothing to fill in."""


class CloseOutFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", "---------"), *CloseOut.State.choices], required=False
    )
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", "---------"), *CloseOut.Result.choices], required=False
    )
    claimant = forms.ChoiceField(label=_("Claimant"), required=False)

    def __init__(self, *args: Any, claimants: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(claimants) > 1:
            field = self.fields["claimant"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "---------"), *[(str(pk), name) for pk, name in claimants]]
        else:
            del self.fields["claimant"]
