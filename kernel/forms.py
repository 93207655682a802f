"""Form pieces every app's lists and workflow actions share."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's date picker. It reads and writes ISO dates (2027-04-30) whatever the
    language, so a saved date is rendered in ISO too, not in the locale's 2027/04/30 that
    the picker would take for empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    """Django's Select, the same HTML to the byte, rendered in Python: Django renders each
    option through a template include, and a filter bar with the provinces and ten years of
    periods spent 16 ms of a page there."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A drop-down's rows read by one plain query. Django's own iterator streams them, which on
    PostgreSQL opens a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three round trips
    and the result copied at commit) for what is a few dozen rows."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FilterForm(forms.Form):
    """A GET form of list filters whose valid values become plain strings for the selectors
    and for export jobs. Its drop-downs render in Python (`FastSelect`) and read their rows
    with one plain query (`ListedChoiceIterator`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                # Set before any subclass assigns its queryset, which renews the choices.
                field.iterator = ListedChoiceIterator
                field.widget.choices = field.choices
            if type(field.widget) is forms.Select:
                fast = FastSelect(attrs=field.widget.attrs)
                fast.choices = field.widget.choices
                fast.is_required = field.widget.is_required
                field.widget = fast

    def params(self) -> dict[str, str]:
        # An invalid filter is dropped on its own; the valid ones still apply.
        self.is_valid()
        out: dict[str, str] = {}
        for name, value in getattr(self, "cleaned_data", {}).items():
            if value in (None, ""):
                continue
            out[name] = str(value.pk) if hasattr(value, "pk") else str(value)
        return out


class ReasonForm(forms.Form):
    """A state change that must say why (a return, an undo, a decline)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


def national_authority_filter() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("National authority"),
        choices=[("", "---------"), ("yes", _("needed")), ("no", _("not needed"))],
        required=False,
    )


class DatalistInput(forms.TextInput):
    """A text input offering values already used (an HTML datalist): one is picked instead of
    retyped (信息一次填报), and anything else may still be typed."""

    def __init__(self, options: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options or []

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if not self.options:
            return super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-options"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)
