"""The first half of a journey, each stage read through its own visibility: the suggestions
and proposals a measure came from, the merge, the expert review (its aggregate only), the
versions of the annual list it appears in, and the programmes and claims that took it up.

A record the user may not see is left out, without a trace: a placeholder would tell that it
exists, which the stage's own pages do not (the platform's rule)."""

from django.db.models import Avg, Count, F, FloatField, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor
from claims.models import Claim
from claims.rules import CLAIMANTS, NOTICES, PROGRAMMES
from lists.models import ListVersion
from lists.rules import ITEMS
from merging.rules import CANDIDATES
from overview.journey.chain import Chain
from overview.journey.steps import Detail, Step, latest, moment
from proposals.rules import PROPOSALS, SUGGESTIONS
from review import rules as review_rules
from review.models import Assignment, Review

# A claim is seen by whoever sees its claimant: the claimant's coordinators and the national
# level (claims.rules: "claims and withdraws only its own claims").
CLAIMS = CLAIMANTS.via(Claim, "claimant")


def suggestions(user: Actor, chain: Chain) -> list[Step]:
    rows = SUGGESTIONS.queryset(user).filter(pk__in=chain.suggestions)
    return [
        Step(
            "proposals",
            "suggestion",
            moment(s.submitted_at),
            _("Suggestion from %(organisation)s: %(title)s")
            % {"organisation": s.organisation, "title": s.title},
            reverse("proposals:suggestion_detail", args=[s.pk]),
            [Detail("state", _("State"), s.state, s.get_state_display())],
            ("suggestion", s.pk),
        )
        for s in rows.select_related("organisation")
    ]


def proposals(user: Actor, chain: Chain) -> list[Step]:
    rows = PROPOSALS.queryset(user).filter(pk__in=chain.proposals).select_related("locality")
    return [
        Step(
            "proposals",
            "proposal",
            moment(p.submitted_at or p.created_at),
            _("Proposal of %(locality)s: %(title)s") % {"locality": p.locality, "title": p.title},
            reverse("proposals:proposal_detail", args=[p.pk]),
            [Detail("state", _("State"), p.state, p.get_state_display())],
            ("proposal", p.pk),
        )
        for p in rows
    ]


def candidates(user: Actor, chain: Chain) -> list[Step]:
    rows = CANDIDATES.queryset(user).filter(pk__in=chain.candidates).select_related("field")
    return [
        Step(
            "merging",
            "candidate",
            moment(c.created_at),
            _("Merged into the candidate measure “%(title)s”") % {"title": c.title},
            reverse("merging:candidate_detail", args=[c.pk]),
            [Detail("field", _("Reform field"), c.field.name)],
            ("candidate", c.pk),
        )
        for c in rows
    ]


def reviews(user: Actor, chain: Chain) -> list[Step]:
    """The review of each candidate, aggregated in the database: how many reviews, the mean
    overall score and the recommendations. Never one expert's scores, and only for whoever
    reads the review results (review.rules: the national level; localities see no score)."""
    if not chain.candidates or not review_rules.can_view_review_results(user):
        return []
    submitted = Q(review__state=Review.State.SUBMITTED)
    # The sum of a review's four criteria; its mean over the reviews, divided by four, is the
    # mean overall score (review.aggregation: a review's overall score is its criteria's mean).
    total = (
        F("review__value")
        + F("review__operability")
        + F("review__assessability")
        + F("review__replicability")
    )
    rows = (
        Assignment.objects.filter(candidate__in=chain.candidates)
        .values("candidate", "candidate__title")
        .annotate(
            assigned=Count("pk"),
            done=Count("pk", filter=submitted),
            mean=Avg(total, filter=submitted, output_field=FloatField()),
            include=Count("pk", filter=submitted & Q(review__recommendation="include")),
            revise=Count("pk", filter=submitted & Q(review__recommendation="revise")),
            exclude=Count("pk", filter=submitted & Q(review__recommendation="exclude")),
            last=Max("review__submitted_at", filter=submitted),
        )
        .order_by("candidate")
    )
    steps = []
    for row in rows:
        mean = round(row["mean"] / 4, 2) if row["mean"] is not None else None
        labels = dict(Review.Recommendation.choices)
        steps.append(
            Step(
                "review",
                "review",
                latest(row["last"]),
                _("Expert review of “%(title)s”: %(done)s of %(assigned)s reviews submitted")
                % {
                    "title": row["candidate__title"],
                    "done": row["done"],
                    "assigned": row["assigned"],
                },
                reverse("review:candidate_detail", args=[row["candidate"]]),
                [
                    Detail("reviews", _("Reviews submitted"), row["done"]),
                    Detail("mean_score", _("Mean overall score (1–5)"), mean),
                    *(Detail(k, str(labels[k]), row[k]) for k in ("include", "revise", "exclude")),
                ],
                ("review", row["candidate"]),
            )
        )
    return steps


def list_items(user: Actor, chain: Chain) -> list[Step]:
    rows = ITEMS.queryset(user).filter(pk__in=chain.list_items)
    steps = []
    for item in rows.select_related("version__annual_list"):
        version = item.version
        published = version.state == ListVersion.State.PUBLISHED
        page = "lists:version_page" if published else "lists:workspace"
        steps.append(
            Step(
                "lists",
                "list_item",
                moment(version.published_at or version.created_at),
                _("Item %(position)s of %(list)s, version %(number)s")
                % {
                    "position": item.position,
                    "list": version.annual_list,
                    "number": version.number,
                },
                reverse(page, args=[version.pk]),
                [
                    Detail("state", _("State"), version.state, version.get_state_display()),
                    Detail("doc_number", _("Document number"), version.doc_number or None),
                ],
                ("item", item.pk),
            )
        )
    return steps


def programmes(user: Actor, chain: Chain) -> list[Step]:
    rows = PROGRAMMES.queryset(user).filter(pk__in=chain.programmes)
    return [
        Step(
            "claims",
            "programme",
            latest(p.opens_at) or moment(p.created_at),
            _("Offered for claiming in “%(programme)s”") % {"programme": p.title},
            reverse("claims:programme", args=[p.pk]),
            [Detail("state", _("State"), p.state, p.get_state_display())],
            ("programme", p.pk),
        )
        for p in rows
    ]


def claims(user: Actor, chain: Chain) -> list[Step]:
    rows = CLAIMS.queryset(user).filter(pk__in=chain.claims)
    related = ("claimant__division", "claimant__region_group", "item")
    return [
        Step(
            "claims",
            "claim",
            moment(c.claimed_at),
            _("Claimed by %(claimant)s") % {"claimant": c.claimant},
            reverse("claims:programme", args=[c.item.programme_id]),
            [
                Detail(
                    "shortlisting",
                    _("Shortlisting"),
                    c.shortlisting or None,
                    c.get_shortlisting_display() if c.shortlisting else "",
                )
            ],
            ("claim", c.pk),
        )
        for c in rows.select_related(*related)
    ]


def notices(user: Actor, chain: Chain) -> list[Step]:
    rows = NOTICES.queryset(user).filter(pk__in=chain.notices)
    related = ("claimant__division", "claimant__region_group")
    return [
        Step(
            "claims",
            "notice",
            moment(n.issued_on),
            _("Task notice %(number)s handed down to %(claimant)s")
            % {"number": n.doc_number, "claimant": n.claimant},
            reverse("claims:notice_docx", args=[n.pk]),
            [Detail("issuing_authority", _("Issuing authority"), n.issuing_authority)],
            ("notice", n.pk),
        )
        for n in rows.select_related(*related)
    ]


STEPS = [suggestions, proposals, candidates, reviews, list_items, programmes, claims, notices]
