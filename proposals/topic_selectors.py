"""Reads of topics (出题) and of the proposals that answer them (破题), scoped to the user.

Who sees a topic is `rules.TOPICS`; who sees an answer is `rules.PROPOSALS`, read as it is:
a province sees its own answers, the national level the submitted ones.
"""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from proposals import rules
from proposals.models import Cycle, Proposal, Topic
from regions.models import Division


def topics_visible_to(user: Actor) -> QuerySet[Topic]:
    return rules.TOPICS.queryset(user).select_related("cycle", "locality", "field")


def topic_get_for_user(user: Actor, pk: int) -> Topic:
    """The topic, or 404 when the user may not know it exists."""
    try:
        return topics_visible_to(user).get(pk=pk)
    except Topic.DoesNotExist:
        raise Http404 from None


def _answers_of(user: Actor) -> QuerySet[Proposal]:
    return rules.PROPOSALS.queryset(user)


def _count_per_topic(user: Actor, expression: Any) -> Coalesce:
    """A subquery counting, per topic, what the user sees of its answers."""
    rows = (
        _answers_of(user)
        .filter(topic_id=OuterRef("pk"))
        .order_by()
        .values("topic_id")
        .annotate(n=expression)
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def topic_list(user: Actor, cycle: Cycle, params: dict[str, str]) -> QuerySet[Topic]:
    """The cycle's topics the user sees, filtered, each with `answer_count` and
    `locality_count`: the answers the user sees and the localities they come from. One query
    for a page, whatever the number of topics and answers."""
    qs = topics_visible_to(user).filter(cycle=cycle)
    if params.get("kind") in Topic.Kind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("state") in Topic.State.values:
        qs = qs.filter(state=params["state"])
    query = params.get("q", "").strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return qs.annotate(
        answer_count=_count_per_topic(user, Count("pk")),
        locality_count=_count_per_topic(user, Count("locality_id", distinct=True)),
    ).order_by("state", "-created_at", "-id")


def is_answerable(topic: Topic) -> bool:
    """Open, and its answer-by date (if any) not past."""
    if topic.state != Topic.State.OPEN:
        return False
    return topic.deadline is None or timezone.localdate() <= topic.deadline


def topics_to_answer(user: Actor, cycle_id: int, keep: int | None = None) -> QuerySet[Topic]:
    """The topics a province may answer in the cycle (open, answer-by date not past), for the
    proposal form; `keep` is the topic a proposal already answers, kept among the choices."""
    today = timezone.localdate()
    answerable = Q(state=Topic.State.OPEN) & (Q(deadline__isnull=True) | Q(deadline__gte=today))
    if keep is not None:
        answerable |= Q(pk=keep)
    return rules.TOPICS.queryset(user).filter(answerable, cycle_id=cycle_id).order_by("kind", "id")


def topic_answers(user: Actor, topic: Topic) -> QuerySet[Proposal]:
    """The proposals answering the topic that the user sees, by locality."""
    return (
        _answers_of(user)
        .filter(topic=topic)
        .select_related("locality", "merged_into")
        .order_by("locality__code", "-updated_at", "-id")
    )


def topic_answer_counts(user: Actor, topic: Topic) -> dict[str, Any]:
    """How many answers the user sees, from how many localities, and `by_state`: per proposal
    state that has any, its value, label and number, in the states' order. Two queries."""
    answers = _answers_of(user).filter(topic=topic).order_by()
    totals = answers.aggregate(
        proposals=Count("pk"), localities=Count("locality_id", distinct=True)
    )
    per_state = dict(answers.values_list("state").annotate(n=Count("pk")))
    return {
        **totals,
        "by_state": [
            {"state": value, "label": label, "n": per_state[value]}
            for value, label in Proposal.State.choices
            if per_state.get(value)
        ],
    }


def participants_not_answering(user: Actor, topic: Topic) -> QuerySet[Division]:
    """The cycle's participants none of whose proposals the user sees answer the topic (for
    the national level: none of whose submitted proposals)."""
    answered = _answers_of(user).filter(topic=topic).values("locality_id")
    return topic.cycle.participants.exclude(pk__in=answered).order_by("code")
