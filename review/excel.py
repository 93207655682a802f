"""Excel exports of the expert review: the pool, a cycle's assignments, the ranking and an
expert's own reviews. The ranking of a national cycle is built by a background job
(review.export_jobs); the others are bounded (a pool, one cycle, one expert) and sent at once."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.spreadsheets import Filters, table_bytes
from merging.models import CandidateMeasure
from review import aggregation
from review.labels import criterion_label, disagreement_reasons
from review.models import Assignment, ExpertProfile, Review
from review.selectors import RankRow, review_of


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _figure(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


def experts_bytes(profiles: Iterable[ExpertProfile], filters: Filters | None = None) -> bytes:
    headers = [_("Login"), _("Name"), _("Fields of expertise"), _("Finer tags"), _("Division")]
    headers += [_("Organisation"), _("Available"), _("Load cap"), _("Reviews this cycle")]
    yes, no = _("yes"), _("no")
    rows = (
        [
            p.user.username,
            str(p.user),
            "、".join(f.name for f in p.fields.all()),
            p.tags,
            p.division.name if p.division else "",
            p.organisation.name if p.organisation else "",
            yes if p.available else no,
            p.max_load,
            getattr(p, "load", 0),
        ]
        for p in profiles
    )
    return table_bytes(_("Experts"), headers, rows, filters=filters)


def assignments_bytes(
    candidates: Iterable[CandidateMeasure], filters: Filters | None = None
) -> bytes:
    """One row per reviewer of each candidate (a candidate without reviewers has one row)."""
    headers = [_("No."), _("Candidate measure"), _("Reform field"), _("Reviewer")]
    headers += [_("Source"), _("Reason for the override"), _("Assigned at"), _("Review")]
    rows = []
    for c in candidates:
        assignments: list[Assignment] = list(c.assignments.all())
        if not assignments:
            rows.append([c.pk, c.title, c.field.name, "", "", "", "", ""])
        for a in assignments:
            review = review_of(a)
            state = review.get_state_display() if review else _("not started")
            rows.append(
                [
                    c.pk,
                    c.title,
                    c.field.name,
                    str(a.expert),
                    a.get_source_display(),
                    a.override_reason,
                    _when(a.assigned_at),
                    state,
                ]
            )
    return table_bytes(_("Assignments"), headers, rows, filters=filters)


def ranking_bytes(
    rows: Iterable[RankRow],
    filters: Filters | None = None,
    on_row: Callable[[int], Any] | None = None,
) -> bytes:
    """The ranking, its rows streamed as read (a LazyRows reads them a chunk at a time)."""
    names = [*aggregation.CRITERIA, aggregation.OVERALL]
    headers = [_("Rank"), _("No."), _("Candidate measure"), _("Reform field")]
    headers += [_("Reviews submitted"), _("Reviewers assigned")]
    for name in names:
        label = criterion_label(name)
        headers += [
            _("%(c)s mean") % {"c": label},
            _("%(c)s median") % {"c": label},
            _("%(c)s spread") % {"c": label},
            _("%(c)s standard deviation") % {"c": label},
        ]
    headers += [str(label) for label in Review.Recommendation.labels]
    headers += [_("Reviewers disagree"), _("Why")]
    yes = _("yes")

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            line: list[Any] = [
                row.rank or "",
                row.candidate.pk,
                row.candidate.title,
                row.candidate.field.name,
                row.reviews_submitted,
                row.reviews_expected,
            ]
            for name in names:
                s = row.summary.criteria[name]
                line += [_figure(s.mean), _figure(s.median), _figure(s.spread), _figure(s.stdev)]
            line += [row.summary.recommendations.get(v, 0) for v in Review.Recommendation.values]
            line += [yes if row.disagreement else "", "；".join(disagreement_reasons(row.summary))]
            yield line

    return table_bytes(_("Ranking"), headers, lines(), on_row, filters=filters)


def my_reviews_bytes(assignments: Iterable[Assignment], filters: Filters | None = None) -> bytes:
    headers = [_("Cycle"), _("Candidate measure"), _("Reform field"), _("State")]
    headers += [criterion_label(c) for c in aggregation.CRITERIA]
    headers += [_("Recommendation"), _("Comments"), _("Submitted at")]
    rows = []
    for a in assignments:
        review = review_of(a)
        line: list[Any] = [a.candidate.cycle.year, a.candidate.title, a.candidate.field.name]
        if review is None:
            rows.append([*line, _("not started")])
            continue
        line.append(review.get_state_display())
        line += [getattr(review, c) or "" for c in aggregation.CRITERIA]
        line += [review.get_recommendation_display(), review.comments, _when(review.submitted_at)]
        rows.append(line)
    return table_bytes(_("My reviews"), headers, rows, filters=filters)
