from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm, national_authority_filter
from proposals import excel
from proposals.models import Attachment, Cycle, Proposal, ReformField, Suggestion
from proposals.topic_forms import TopicChoice
from regions.models import Division


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = [
            "year",
            "title",
            "issuing_authorities",
            "deadline",
            "min_per_locality",
            "max_per_locality",
            "is_open",
            "participants",
        ]
        widgets = {"deadline": DateInput(), "participants": forms.CheckboxSelectMultiple}
        help_texts = {
            "participants": _(
                "The province-level localities this year's call is addressed to. A new cycle "
                "starts with the 13 addressees of 发改高技〔2021〕484号; only participants "
                "submit proposals, 3 to 5 each by default. With none ticked the list stays "
                "as it is."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuing_authorities"].required = False

    def clean_issuing_authorities(self) -> str:
        # Left empty, the cycle keeps who calls it (by default 国家发展改革委、科技部).
        value = (self.cleaned_data.get("issuing_authorities") or "").strip()
        return value or self.instance.issuing_authorities

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_per_locality"), data.get("max_per_locality")
        if low is not None and high is not None and high < low:
            self.add_error("max_per_locality", _("The maximum cannot be below the minimum."))
        return data


class ExtensionForm(forms.Form):
    locality = forms.ModelChoiceField(
        label=_("Locality"), queryset=Division.objects.filter(level=Division.Level.PROVINCE)
    )
    until = forms.DateField(label=_("Extended until"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class SuggestionForm(forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ["title", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 8})}


class ReformFieldChoice(forms.ModelChoiceField):
    """Each reform field with what it covers (发改高技〔2021〕484号 §二's "主要包括"), so that a
    locality sees under which key task its measure belongs where it chooses one."""

    def label_from_instance(self, obj: Any) -> SafeString | str:
        if not obj.description:
            return str(obj.name)
        return format_html(
            '{}<br><span class="muted" style="font-weight:normal">{}</span>',
            obj.name,
            obj.description,
        )


class ProposalForm(forms.ModelForm):
    sources = forms.ModelMultipleChoiceField(
        label=_("Source suggestions"),
        queryset=Suggestion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Proposal
        fields = Proposal.CONTENT_FIELDS
        field_classes = {"field": ReformFieldChoice}
        widgets = {
            "field": forms.RadioSelect,
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in [
                    "problem",
                    "content",
                    "implementing_bodies",
                    "expected_results",
                    "targets",
                    "timetable",
                    "risks",
                ]
            },
        }
        help_texts = {
            "field": _(
                "The four key tasks of 发改高技〔2021〕484号 §二, or 其他 for a measure the "
                "locality plans for its own needs (§二's closing paragraph)."
            ),
            "targets": _("Quantifiable, assessable targets, one per line."),
            "timetable": _("Milestones with dates."),
            "ministries": _("Required when the measure needs national authority."),
        }

    def __init__(
        self,
        *args: Any,
        suggestions: Any = None,
        topics: Any = None,
        complete: bool = False,
        **kwargs: Any,
    ) -> None:
        """`complete`: require every field submission needs (an import is a submission-ready
        sheet), as for a returned proposal; otherwise a draft needs its title only."""
        super().__init__(*args, **kwargs)
        if topics is not None:
            # The topic answered (破题): any open topic of the cycle, or none; first, as it
            # frames the rest.
            self.fields["topic"] = TopicChoice(
                label=_("Topic answered"),
                queryset=topics,
                required=False,
                help_text=_(
                    "Optional: a topic of this cycle, set by the centre or proposed by a "
                    "locality and authorised, that this proposal answers."
                ),
            )
            self.order_fields(["topic"])
        field_choice = self.fields["field"]
        assert isinstance(field_choice, forms.ModelChoiceField)
        field_choice.queryset = ReformField.objects.all()
        field_choice.empty_label = None  # radios: a draft leaves them all unticked
        # Platform rule: a draft is saved with its title only; what submission needs keeps
        # its mark (`required_to_submit`, shown by includes/form.html). A returned proposal
        # was submitted once: it stays complete.
        self.is_draft = not complete and (
            self.instance.pk is None or self.instance.state == Proposal.State.DRAFT
        )
        for name in Proposal.REQUIRED_TO_SUBMIT:
            if name in self.fields and name != "title":
                self.fields[name].required = not self.is_draft
                self.fields[name].required_to_submit = True  # type: ignore[attr-defined]
        sources = self.fields["sources"]
        if suggestions is not None and isinstance(sources, forms.ModelMultipleChoiceField):
            sources.queryset = suggestions
        else:
            del self.fields["sources"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("needs_national_authority") and not (data.get("ministries") or "").strip():
            self.add_error(
                "ministries", _("Name the ministries concerned when national authority is needed.")
            )
        return data


class ProposalFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all(), required=False)
    locality = forms.ModelChoiceField(
        label=_("Locality"),
        queryset=Division.objects.filter(level=Division.Level.PROVINCE),
        required=False,
    )
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", "---------"), *Proposal.State.choices], required=False
    )
    national = national_authority_filter()
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("updated", _("last changed, newest first")),
            ("-updated", _("last changed, oldest first")),
            ("submitted", _("submitted, newest first")),
            ("title", _("title")),
            ("locality", _("locality")),
            ("state", _("state")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, localities: Any = None, **kwargs: Any) -> None:
        """`localities`: the localities in the user's scope, when not all of them; with one
        (a locality's own list) the 地方 filter is left out, as it could only repeat it."""
        super().__init__(*args, **kwargs)
        if localities is None:
            return
        localities = list(localities)
        if len(localities) <= 1:
            del self.fields["locality"]
            return
        choice = self.fields["locality"]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = Division.objects.filter(pk__in=[d.pk for d in localities])


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class AttachmentForm(forms.Form):
    """A proposal's attachment (附件): a name longer than the record holds is refused here
    (Django's own check and message), before the file is written anywhere."""

    file = forms.FileField(label=_("File"), max_length=Attachment.NAME_MAX)


class ProposalImportForm(UploadForm):
    """The workbook of an import, within the platform's caps (平台规则, proposals.excel)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Platform rule: at most %(rows)s rows and %(mb)s MB per file."
        ) % {"rows": f"{excel.MAX_IMPORT_ROWS:,}", "mb": excel.MAX_IMPORT_BYTES // (1024 * 1024)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > excel.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("Platform rule: the file is larger than %(mb)s MB.")
                % {"mb": excel.MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload
