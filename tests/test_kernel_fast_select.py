"""kernel.forms.FastSelect renders exactly Django's Select (its templates) in Python, and every
list's filter form uses it for its drop-downs."""

import pytest
from django import forms

from kernel.forms import FastSelect, FilterForm, ListedChoiceIterator
from regions.models import Division

CHOICES = [
    ("", "---------"),
    ("a&b", '甲 <乙> & "丙"'),
    ("2026-3", "2026年第三季度"),
    ("分组", [("x", "组内一"), ("y", "组内二")]),
    (7, "数字"),
]


@pytest.mark.parametrize("value", [None, "", "a&b", "y", 7, "7", "nothing"])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "wide", "data-x": 'q"uote', "required": True, "hidden": False}]
)
def test_the_same_html_as_django_s_select(value, attrs):
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    fast = FastSelect(attrs=attrs, choices=CHOICES)
    expected = django_select.render("status", value, {"id": "id_status"})
    assert fast.render("status", value, {"id": "id_status"}) == expected
    assert "<option" in expected


class Filters(FilterForm):
    province = forms.ModelChoiceField(
        queryset=Division.objects.filter(level=1).order_by("code"), required=False
    )
    status = forms.ChoiceField(choices=CHOICES[:3], required=False)
    q = forms.CharField(required=False)


def test_a_filter_form_renders_its_drop_downs_fast_and_the_same(db):
    beijing = Division.objects.get(code="110000")
    form = Filters({"province": beijing.pk, "status": "2026-3"})
    assert isinstance(form.fields["province"].widget, FastSelect)
    assert isinstance(form.fields["status"].widget, FastSelect)
    plain = forms.Form.__new__(Filters)
    forms.Form.__init__(plain, {"province": beijing.pk, "status": "2026-3"})
    assert type(plain.fields["province"].widget) is forms.Select
    for name in ("province", "status"):
        assert str(form[name]) == str(plain[name])
    assert f'<option value="{beijing.pk}" selected>' in str(form["province"])
    assert str(form["province"]).count("<option") == 1 + Division.objects.filter(level=1).count()
    # A queryset narrowed after the form is made reaches the fast widget too.
    form.fields["province"].queryset = Division.objects.filter(code="110000")  # type: ignore[attr-defined]
    assert str(form["province"]).count("<option") == 2


def test_a_filter_form_reads_its_drop_down_rows_with_one_plain_query(db):
    """No server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE on PostgreSQL) for a few rows:
    Django's own ModelChoiceIterator streams them; the filter form's reads them at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    form = Filters({})
    assert form.fields["province"].iterator is ListedChoiceIterator  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as captured:
        html = str(form["province"])
    assert len(captured) == 1
    assert "DECLARE" not in captured[0]["sql"].upper()
    plain = forms.Form.__new__(Filters)
    forms.Form.__init__(plain, {})
    assert html == str(plain["province"])
