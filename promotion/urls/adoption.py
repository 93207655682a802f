from django.urls import URLPattern, path, register_converter

from promotion.views import adoption


class UnitKind:
    """A reporting unit's kind in a URL: a division or a park."""

    regex = "division|park"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnitKind, "unitkind")

UNIT = "rounds/<int:pk>/<unitkind:kind>/<int:unit>/"

urlpatterns: list[URLPattern] = [
    path("rounds/<int:pk>/units/", adoption.round_units, name="round_units"),
    path("rounds/<int:pk>/units/xlsx/", adoption.round_units_xlsx, name="round_units_xlsx"),
    path("rounds/<int:pk>/units/chase/", adoption.round_chase_all, name="round_chase_all"),
    path(
        "rounds/<int:pk>/returns/<int:ret>/hand-down/",
        adoption.return_hand_down,
        name="return_hand_down",
    ),
    path("rounds/<int:pk>/returns/<int:ret>/chase/", adoption.return_chase, name="return_chase"),
    path(UNIT, adoption.round_unit, name="round_unit"),
    path(f"{UNIT}measures/<int:measure>/", adoption.round_unit_measure, name="round_unit_measure"),
    path(f"{UNIT}file/", adoption.round_unit_file, name="round_unit_file"),
    path(f"{UNIT}unchanged/", adoption.round_unit_unchanged, name="round_unit_unchanged"),
    path("rounds/<int:pk>/rollup/", adoption.round_rollup, name="round_rollup"),
    path("adoption/<int:pk>/evidence/", adoption.adoption_evidence, name="adoption_evidence"),
]
