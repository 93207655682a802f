"""Forms of topics (出题): one the national level sets, one a province proposes, and the
filters of a cycle's topic list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateInput, FilterForm
from proposals.models import ReformField, Topic


class CentralTopicForm(forms.ModelForm):
    """中央出题: a direction that needs national coordination."""

    class Meta:
        model = Topic
        fields = ["title", "description", "field", "deadline"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6}), "deadline": DateInput()}
        help_texts = {
            "description": _(
                "What the localities are asked to work out, and why it needs national coordination."
            ),
            "field": _("Optional: the reform field the topic belongs to."),
            "deadline": _("Optional: the date by which proposals may take up the topic."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["field"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ReformField.objects.all()


class LocalTopicForm(forms.ModelForm):
    """地方出题: a reform the locality has a strong need for, asking for central authorisation."""

    class Meta:
        model = Topic
        fields = ["title", "description", "need"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "need": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "need": _(
                "Why your locality needs this reform, and the strengths or example it can offer."
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["need"].required = True


class AuthoriseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TopicFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "---------"), *Topic.Kind.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", "---------"), *Topic.State.choices], required=False
    )


class TopicChoice(forms.ModelChoiceField):
    """A topic as a proposal chooses it: its title and its kind."""

    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.title}（{obj.get_kind_display()}）"
