"""What the stage's list filters share."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from claims.models import Programme
from kernel.forms import FilterForm


class ByProgrammeFilterForm(FilterForm):
    """A list filter with a choice of programme among those the caller passes (the ones with
    tasks the viewer sees)."""

    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes
