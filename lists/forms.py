from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput
from lists.authorities import ANNUAL_LIST_ISSUERS
from lists.models import Consultation, ListItem, ListVersion
from merging.models import CandidateMeasure
from proposals.models import ReformField

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def issuers_help() -> str:
    return _(
        "Several separated by 、, the host first. The list is published by %(issuers)s "
        "(发改高技〔2021〕484号 三（三）); empty means them."
    ) % {"issuers": ANNUAL_LIST_ISSUERS}


class ListCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    issuing_authority = forms.CharField(
        label=_("Issuing authority (发文机关)"),
        max_length=100,
        required=False,
        initial=ANNUAL_LIST_ISSUERS,
    )
    preamble = forms.CharField(
        label=_("Preamble"),
        widget=TEXTAREA,
        required=False,
        help_text=_("The opening paragraphs of the document, before the measures."),
    )


class VersionForm(forms.ModelForm):
    title = forms.CharField(label=_("Title"), max_length=200)

    class Meta:
        model = ListVersion
        fields = ["issuing_authority", "preamble", "change_note"]
        widgets = {"preamble": TEXTAREA, "change_note": TEXTAREA}

    def __init__(self, *args: Any, title_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].initial = self.instance.annual_list.title
        self.fields["issuing_authority"].help_text = issuers_help()
        if title_fixed:
            self.fields["title"].disabled = True
            self.fields["title"].help_text = _("The title is fixed once a version is published.")
        if self.instance.number == 1:
            del self.fields["change_note"]
        else:
            self.fields["change_note"].required = True
        self.order_fields(["title"])


class ItemForm(forms.ModelForm):
    class Meta:
        model = ListItem
        fields = ["title", "field", "content", "ministries"]
        widgets = {"content": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_choice = self.fields["field"]
        assert isinstance(field_choice, forms.ModelChoiceField)
        field_choice.queryset = ReformField.objects.all()


class CandidatesForm(forms.Form):
    """The candidates ticked in the ranked table, added in ranking order."""

    candidates = forms.ModelMultipleChoiceField(
        label=_("Candidate measures"), queryset=CandidateMeasure.objects.none(), required=True
    )

    def __init__(self, *args: Any, available: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidates"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = available
        field.error_messages["required"] = _("Tick at least one candidate measure.")


class OrderForm(forms.Form):
    """One number per measure, as typed in the list of measures."""

    def __init__(self, *args: Any, items: list[ListItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=item.title, min_value=1, max_value=9999, initial=item.position
            )

    def numbers(self) -> dict[int, int]:
        return {int(name[5:]): value for name, value in self.cleaned_data.items()}


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["ministry", "asked_at", "answer", "answered_at", "change_made"]
        widgets = {
            "asked_at": DateInput(),
            "answered_at": DateInput(),
            "answer": TEXTAREA,
            "change_made": TEXTAREA,
        }
        help_texts = {
            "ministry": _(
                "Any department concerned, not only a ministry; not one of the list's issuing "
                "authorities, who ask for the opinions (发改高技〔2021〕484号 三（二）)."
            ),
            "answer": _("Leave empty until the department answers; come back to record it."),
            "change_made": _("What was changed in the list because of this answer."),
        }


class PublishForm(forms.Form):
    issuing_authority = forms.CharField(label=_("Issuing authority (发文机关)"), max_length=100)
    doc_number = forms.CharField(
        label=_("Document number (发文字号)"),
        max_length=60,
        help_text=_(
            "As the issuing office assigned it, for example 发改高技〔2027〕12号. No task notice "
            "or other list may have it."
        ),
    )
    issued_on = forms.DateField(label=_("Date of issue (成文日期)"), widget=DateInput())
    no_consultation_reason = forms.CharField(
        label=_("Reason for publishing without consulting the departments concerned"),
        widget=TEXTAREA,
        required=False,
        help_text=_(
            "No department concerned was consulted on this version. 发改高技〔2021〕484号 三（二） "
            "asks for their opinions before the list is published: say why it is published "
            "without them. Kept with the version and in its history."
        ),
    )

    def __init__(self, *args: Any, consulted: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuing_authority"].help_text = issuers_help()
        if consulted:
            del self.fields["no_consultation_reason"]


class ReviseForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changes"),
        widget=TEXTAREA,
        help_text=_("Shown with the new version when it is published."),
    )


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label=_("From version"), coerce=int)
    new = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args: Any, versions: list[ListVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.number, f"v{v.number}") for v in versions]
        for name in ("old", "new"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = choices
