from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from kernel.forms import FilterForm
from proposals.models import Cycle, ReformField
from regions.models import Division, Organisation
from review.models import ExpertProfile, Review
from review.services.assignments import DEFAULT_REVIEWERS, MAX_REVIEWERS


def _provinces() -> Any:
    return Division.objects.filter(level=Division.Level.PROVINCE)


YES_NO = [("", "---------"), ("yes", _("yes")), ("no", _("no"))]


# The expert pool ------------------------------------------------------------------------------


class ExpertUserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class ExpertProfileForm(forms.ModelForm):
    user = ExpertUserChoice(
        label=_("Expert"),
        queryset=User.objects.none(),
        help_text=_(
            "A user account with the expert role that is not yet in the pool; accounts are "
            "created by an administrator."
        ),
    )

    class Meta:
        model = ExpertProfile
        fields = ["fields", "tags", "division", "organisation", "available", "max_load"]
        widgets = {"fields": forms.CheckboxSelectMultiple}
        help_texts = {
            "tags": _("Finer areas, separated by commas, e.g. 知识产权质押, 技术经理人."),
            "division": _(
                "Where the expert sits. They never review a measure proposed by this province."
            ),
            "organisation": _(
                "They never review a measure drawn from a suggestion of this organisation."
            ),
            "max_load": _("The most reviews the solver gives them in one cycle."),
        }

    def __init__(self, *args: Any, users: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        if users is None:
            del self.fields["user"]
        elif isinstance(user, forms.ModelChoiceField):
            user.queryset = users
            self.order_fields(["user"])
        division = self.fields["division"]
        if isinstance(division, forms.ModelChoiceField):
            division.queryset = Division.objects.filter(level__lte=Division.Level.PREFECTURE)
        organisation = self.fields["organisation"]
        if isinstance(organisation, forms.ModelChoiceField):
            organisation.queryset = Organisation.objects.select_related("division")
        self.fields["max_load"].widget.attrs["min"] = 1

    def clean_max_load(self) -> int:
        value = self.cleaned_data["max_load"]
        if value < 1:
            raise forms.ValidationError(
                _("The load cap must be at least 1; mark the expert unavailable to pause them.")
            )
        return int(value)


class ExpertFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Field of expertise"), queryset=ReformField.objects.all(), required=False
    )
    division = forms.ModelChoiceField(label=_("Province"), queryset=_provinces(), required=False)
    available = forms.ChoiceField(label=_("Available"), choices=YES_NO, required=False)


# Assignment -----------------------------------------------------------------------------------


class ReviewersForm(forms.Form):
    reviewers = forms.IntegerField(
        label=_("Reviewers per candidate"),
        min_value=1,
        max_value=MAX_REVIEWERS,
        initial=DEFAULT_REVIEWERS,
    )


class SavePreviewForm(forms.Form):
    accept_partial = forms.BooleanField(
        label=_("Save the partial assignment: I know the candidates listed get fewer reviewers."),
        required=False,
    )


class ExpertChoice(forms.ModelChoiceField):
    """Experts labelled with their organisation and how many reviews they hold this cycle."""

    def __init__(self, *args: Any, loads: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loads = loads or {}

    def label_from_instance(self, obj: Any) -> str:
        return self.loads.get(obj.pk, str(obj))


class OverrideForm(forms.Form):
    expert = ExpertChoice(label=_("Expert"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, choices: list[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        expert = self.fields["expert"]
        assert isinstance(expert, ExpertChoice)
        choices = choices or []
        expert.queryset = User.objects.filter(pk__in=[u.pk for u, _label in choices])
        expert.loads = {u.pk: label for u, label in choices}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 3})
    )


PROGRESS_CHOICES = [
    ("", "---------"),
    ("none", _("no reviewers yet")),
    ("open", _("reviews outstanding")),
    ("done", _("all reviews submitted")),
]


class CandidateFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    progress = forms.ChoiceField(
        label=pgettext_lazy("review", "Progress"), choices=PROGRESS_CHOICES, required=False
    )


class RankingFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    field = forms.ModelChoiceField(
        label=_("Reform field"), queryset=ReformField.objects.all(), required=False
    )
    flagged = forms.ChoiceField(
        label=_("Reviewers disagree"),
        choices=[("", "---------"), ("yes", _("flagged only"))],
        required=False,
    )


class MyReviewFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all(), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", "---------"),
            ("new", _("not started")),
            (Review.State.DRAFT, _("draft")),
            (Review.State.SUBMITTED, _("submitted")),
        ],
        required=False,
    )


# The review -----------------------------------------------------------------------------------

SCORE_CHOICES = [(i, str(i)) for i in range(1, 6)]


def _score(name: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=getattr(Review._meta.get_field(name), "verbose_name", name),
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("1 = very weak, 3 = adequate, 5 = excellent."),
    )


class ReviewForm(forms.Form):
    value = _score("value")
    operability = _score("operability")
    assessability = _score("assessability")
    replicability = _score("replicability")
    comments = forms.CharField(
        label=_("Comments"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=Review.Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, submitting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.submitting:
            for name in [*Review.CRITERIA, "recommendation"]:
                if name not in self.errors and data.get(name) in (None, ""):
                    self.add_error(name, _("Needed to submit the review."))
        return data
