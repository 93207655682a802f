"""The default indicator system (指标体系) a commission starts from, each indicator taken from
a source; the national level may change names, guidance and weights before scoring starts.

- 目标达成: 484号 §四 ("明确可量化、可考核的目标……确保取得预期成效"): the plan's quantified
  targets, planned against achieved (the close-out report gives both).
- 可操作、可检查、可评估: 484号 §一「三是易操作、可考核」("每一项改革举措可操作、可检查、可评估").
- 获得感: 484号 §一「二是小切口、大作为」("增强广大科技界、产业界的获得感").
- 显示度、贡献度、满意度: source 001 ("改革的显示度、对经济发展的贡献度、创新主体的满意度").
- For an experiment region as a whole, the four coordinations of the third-party evaluation of
  the experiment regions: source 000/002 ("统筹推进机制协同、政策协同、主体协同、资源协同").

The equal weights are the platform's starting point, not a source's.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from evaluation.models import Commission, Indicator

D = Indicator.Dimension


@dataclass(frozen=True)
class IndicatorRow:
    dimension: str
    name: str
    guidance: str
    weight: Decimal = Decimal(1)


def default_indicators(scope: str) -> list[IndicatorRow]:
    """The template for a commission of `scope` (a `Commission.Scope`), in the user's language."""
    rows = [
        IndicatorRow(
            D.ATTAINMENT,
            _("Attainment of the quantified targets"),
            _("The plan's quantifiable, assessable targets: planned against achieved."),
        ),
        IndicatorRow(
            D.OPERABILITY,
            _("Operable, checkable, assessable"),
            _("Whether each reform measure could be operated, checked and assessed."),
        ),
        IndicatorRow(
            D.GAIN,
            _("Sense of gain of the science and industry communities"),
            _("What the innovators most concerned say the reform changed for them."),
        ),
        IndicatorRow(
            D.VISIBILITY,
            _("Visibility of the reform"),
            _("How far the reform is seen and known."),
        ),
        IndicatorRow(
            D.CONTRIBUTION,
            _("Contribution to economic development"),
            _("What the reform contributed to economic development."),
        ),
        IndicatorRow(
            D.SATISFACTION,
            _("Satisfaction of innovation bodies"),
            _("How satisfied the innovation bodies are with the reform."),
        ),
    ]
    if scope == Commission.Scope.REGION:
        rows += [
            IndicatorRow(
                D.MECHANISM, _("Mechanism coordination"), _("Working mechanisms across the region.")
            ),
            IndicatorRow(
                D.POLICY, _("Policy coordination"), _("Policies aligned across the region.")
            ),
            IndicatorRow(
                D.ACTORS,
                _("Coordination of actors"),
                _("Innovation bodies working together across the region."),
            ),
            IndicatorRow(
                D.RESOURCES,
                _("Resource coordination"),
                _("Innovation resources shared across the region."),
            ),
        ]
    return rows


def create_default_indicators(commission: Commission) -> list[Indicator]:
    return Indicator.objects.bulk_create(
        Indicator(
            commission=commission,
            position=number,
            dimension=row.dimension,
            name=row.name,
            guidance=row.guidance,
            weight=row.weight,
        )
        for number, row in enumerate(default_indicators(commission.scope), start=1)
    )
