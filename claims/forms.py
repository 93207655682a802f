from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import ZONE_PILOT_ISSUERS, Claim, Claimant, Programme
from kernel.forms import DateInput
from lists.authorities import ANNUAL_LIST_ISSUERS
from lists.models import ListVersion
from regions.models import Division, RegionGroup

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def issuers_help() -> str:
    return _(
        "Several separated by 、, the host first. Empty: those who published the programme's "
        "list version, if it has one, else those of the kind, %(annual)s for an annual list, "
        "%(pilot)s for the zone policy pilot."
    ) % {"annual": ANNUAL_LIST_ISSUERS, "pilot": ZONE_PILOT_ISSUERS}


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "kind",
            "title",
            "issuing_authority",
            "description",
            "list_version",
            "min_claims",
            "max_claimants",
            "opens_at",
            "closes_at",
            "implementation_months",
        ]
        widgets = {"description": TEXTAREA, "opens_at": DateInput, "closes_at": DateInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = _(
            "An annual list starts with the 13 provinces 发改高技〔2021〕484号 is addressed to "
            "as its eligible claimants; for a zone pilot, name the zones."
        )
        version = self.fields["list_version"]
        assert isinstance(version, forms.ModelChoiceField)
        version.queryset = ListVersion.objects.filter(
            state=ListVersion.State.PUBLISHED
        ).select_related("annual_list")
        version.help_text = _("Its measures become the items. Leave empty to enter items.")
        self.fields["issuing_authority"].help_text = issuers_help()
        # Empty: the platform's default (24 months) when created, unchanged when edited.
        self.fields["implementation_months"].required = False


class ItemForm(forms.Form):
    category = forms.CharField(label=_("Category"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=TEXTAREA, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("First row: 类别, 事项, 说明 (category, title, description)."),
    )


class ClaimantsForm(forms.Form):
    divisions = forms.ModelMultipleChoiceField(
        label=_("Provinces"),
        queryset=Division.objects.filter(level=Division.Level.PROVINCE),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    region_groups = forms.ModelMultipleChoiceField(
        label=_("Experiment regions and demonstration zones"),
        queryset=RegionGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class OpenForm(forms.Form):
    opens_at = forms.DateField(label=_("Claims open on"), widget=DateInput)
    closes_at = forms.DateField(label=_("Claims close on"), widget=DateInput)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing below the minimum"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Needed only when a claimant has fewer claims than the minimum."),
    )


class IssueForm(forms.Form):
    """The date, and the document number of each notice: as the issuing office assigned it,
    or numbered from the agency code."""

    doc_code = forms.CharField(
        label=_("Document code (发文机关代字)"),
        max_length=30,
        required=False,
        help_text=_(
            "The notices without a number entered below are numbered CODE〔YEAR〕1号, 2号, … "
            "in the order of the claimants, skipping the numbers a list or notice already has."
        ),
    )
    issued_on = forms.DateField(label=_("Date of issue (成文日期)"), widget=DateInput)

    def __init__(self, *args: Any, claimants: list[Claimant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claimants = claimants
        for claimant in claimants:
            self.fields[f"number_{claimant.pk}"] = forms.CharField(
                label=_("Document number (发文字号) of the notice to %(claimant)s")
                % {"claimant": claimant},
                max_length=60,
                required=False,
                help_text=_("As the issuing office assigned it, e.g. 发改高技〔2027〕12号."),
            )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "doc_code": data["doc_code"],
            "issued_on": data["issued_on"],
            "doc_numbers": {c.pk: data[f"number_{c.pk}"] for c in self.claimants},
        }


class ProgrammeEditForm(forms.ModelForm):
    """The terms of a draft programme (no instance: the service compares with the locked
    row, and the page keeps showing what is stored until the change is saved)."""

    class Meta:
        model = Programme
        fields = [
            "title",
            "issuing_authority",
            "description",
            "min_claims",
            "max_claimants",
            "opens_at",
            "closes_at",
            "report_every_months",
            "report_due_days",
            "implementation_months",
        ]
        widgets = {"description": TEXTAREA, "opens_at": DateInput, "closes_at": DateInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuing_authority"].help_text = issuers_help()
        # Empty: the platform's default (24 months) when created, unchanged when edited.
        self.fields["implementation_months"].required = False


class ShortlistForm(forms.Form):
    """The decision on each application of a zone pilot (入围), and its date."""

    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput)

    def __init__(self, *args: Any, applications: list[Claim], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applications = applications
        choices = [
            (Claim.Shortlisting.APPLIED, _("not yet decided")),
            (Claim.Shortlisting.SHORTLISTED, _("shortlisted (入围)")),
            (Claim.Shortlisting.NOT_SHORTLISTED, _("not shortlisted")),
        ]
        for claim in applications:
            self.fields[f"claim_{claim.pk}"] = forms.ChoiceField(
                label=f"{claim.claimant.short_name} · {claim.item.position}．{claim.item.title}",
                choices=choices,
                initial=claim.shortlisting,
                widget=forms.RadioSelect,
            )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "decided_on": data["decided_on"],
            "decisions": {c.pk: data[f"claim_{c.pk}"] for c in self.applications},
        }


class ClosingForm(forms.Form):
    closes_at = forms.DateField(
        label=_("Claims close on"),
        widget=DateInput,
        help_text=_("Not before today, nor before the window opened."),
    )


class NoticeCorrectionForm(forms.Form):
    doc_number = forms.CharField(label=_("Document number (发文字号)"), max_length=60)
    issued_on = forms.DateField(label=_("Date of issue (成文日期)"), widget=DateInput)
    reason = forms.CharField(label=_("Reason for the correction"), widget=TEXTAREA)
