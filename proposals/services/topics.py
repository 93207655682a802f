"""Topics of a cycle (出题) and the rule for answering one (破题).

Source 000 (lines 15–22): "涉及大的改革航向、需要通盘谋划、举全国之力的改革，一般由中央'出题'，
地方、部门、试点单位共同'破题'；对于地方、区域有强烈需求、可发挥其优势和示范效应的改革，由地方
'出题'，中央部门'充分授权'，由央地协同'破题'". The national level sets a topic, open at once and
published to the cycle's participants; a province proposes one, which the national level
authorises (then it is open like a central one) or declines with a reason.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.models import User
from accounts.visibility import NATIONAL, PROVINCE
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from notifications.services import notify
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle, ReformField, Topic
from proposals.selectors import is_participant
from proposals.topic_selectors import is_answerable

ACTION_LABELS = {
    "topic.set": gettext_lazy("topic set by the centre"),
    "topic.proposed": gettext_lazy("topic proposed for authorisation"),
    "topic.authorised": gettext_lazy("topic authorised"),
    "topic.declined": gettext_lazy("topic declined"),
}
TOPIC_FIELDS = ["kind", "state", "title", "description", "field", "deadline", "locality", "need"]


def _created(topic: Topic) -> dict[str, list[object]]:
    """The new topic's fields for the trail, leaving out those it does not have."""
    values = {k: v for k, v in snapshot(topic, TOPIC_FIELDS).items() if v not in (None, "")}
    return diff({}, values)


def _url(topic: Topic) -> str:
    return reverse("proposals:topic_detail", args=[topic.pk])


def _check_text(title: str, description: str) -> None:
    if not title.strip():
        raise ProposalError(_("Give the topic a title."))
    if not description.strip():
        raise ProposalError(_("Describe the topic."))


def _check_cycle(cycle: Cycle) -> None:
    if not cycle.is_open:
        raise ProposalError(_("This cycle is closed."))


def _publish(topic: Topic, subject: str) -> None:
    """Tell the coordinators of the cycle's participants (those who now see the topic)."""
    notify(
        users=rules.TOPICS.audience(topic, PROVINCE),
        subject=subject % {"title": topic.title},
        body=topic.description[:500],
        url=_url(topic),
    )


@transaction.atomic
def topic_set(
    *,
    by: User,
    cycle: Cycle,
    title: str,
    description: str,
    field: ReformField | None = None,
    deadline: datetime.date | None = None,
) -> Topic:
    """中央出题: the national level sets a topic; it is open at once and published to the
    cycle's participants."""
    if not rules.sets_topics(by):
        raise Forbidden
    _check_cycle(cycle)
    _check_text(title, description)
    if deadline is not None and deadline < timezone.localdate():
        raise ProposalError(_("The answer-by date cannot be in the past."))
    topic = Topic.objects.create(
        cycle=cycle,
        kind=Topic.Kind.CENTRAL,
        state=Topic.State.OPEN,
        title=title.strip(),
        description=description,
        field=field,
        deadline=deadline,
        created_by=by,
    )
    record("topic.set", obj=topic, by=by, changes=_created(topic))
    _publish(topic, _("New topic set by the centre: %(title)s"))
    return topic


@transaction.atomic
def topic_propose(*, by: User, cycle: Cycle, title: str, description: str, need: str) -> Topic:
    """地方出题: a province proposes a topic it has a strong need for; the national level is
    asked to authorise it."""
    if not rules.proposes_topics(by):
        raise Forbidden
    locality = roles.province_of(by)
    assert locality is not None
    _check_cycle(cycle)
    # （平台规则）A topic is answered in its cycle, whose call goes to its participants only.
    if not is_participant(cycle, locality.pk):
        raise ProposalError(
            _(
                "Your locality is not a participant of this cycle, so it cannot propose "
                "topics in it."
            )
        )
    _check_text(title, description)
    if not need.strip():
        raise ProposalError(_("Say why your locality needs this reform."))
    topic = Topic.objects.create(
        cycle=cycle,
        kind=Topic.Kind.LOCAL,
        state=Topic.State.PROPOSED,
        title=title.strip(),
        description=description,
        locality=locality,
        need=need,
        created_by=by,
    )
    record("topic.proposed", obj=topic, by=by, changes=_created(topic))
    notify(
        users=NATIONAL.members(),
        subject=_("Topic proposed for authorisation: %(title)s (%(locality)s)")
        % {"title": topic.title, "locality": locality.name},
        body=topic.need[:500],
        url=_url(topic),
    )
    return topic


def _lock_proposed(topic: Topic, by: User) -> Topic:
    if not rules.sets_topics(by):
        raise Forbidden
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    if locked.state != Topic.State.PROPOSED:
        raise ProposalError(
            _("This topic was already decided: it is %(state)s.")
            % {"state": locked.get_state_display()}
        )
    return locked


def _decide(topic: Topic, by: User, state: str, action: str, note: str) -> None:
    before = topic.state
    topic.state, topic.decided_by, topic.decided_at = state, by, timezone.now()
    topic.save(update_fields=["state", "decline_reason", "decided_by", "decided_at"])
    record(action, obj=topic, by=by, changes={"state": [before, topic.state]}, note=note)


@transaction.atomic
def topic_authorise(*, by: User, topic: Topic, note: str = "") -> Topic:
    """中央充分授权: the national level authorises a locality's topic; it is open from now on
    and published to the cycle's participants, the proposing locality among them."""
    topic = _lock_proposed(topic, by)
    _decide(topic, by, Topic.State.OPEN, "topic.authorised", note)
    _publish(topic, _("Topic authorised and open: %(title)s"))
    return topic


@transaction.atomic
def topic_decline(*, by: User, topic: Topic, reason: str) -> Topic:
    """The national level declines a locality's topic, saying why; it is never answered."""
    topic = _lock_proposed(topic, by)
    if not reason.strip():
        raise ProposalError(_("Give the locality a reason for declining."))
    topic.decline_reason = reason
    _decide(topic, by, Topic.State.DECLINED, "topic.declined", reason)
    notify(
        users=rules.TOPICS.audience(topic, PROVINCE),
        subject=_("Topic declined: %(title)s") % {"title": topic.title},
        body=reason[:500],
        url=_url(topic),
    )
    return topic


def check_answerable(*, by: User, topic: Topic, cycle_id: int) -> None:
    """A proposal answers only an open topic of its own cycle that its locality sees, before
    the topic's answer-by date. Called by the proposal's writes when its topic changes."""
    topic = Topic.objects.get(pk=topic.pk)  # as it is now, not as the form read it
    if topic.cycle_id != cycle_id:
        raise ProposalError(_("A proposal answers a topic of its own cycle."))
    if not rules.TOPICS.allows(by, topic):
        raise Forbidden
    if not is_answerable(topic):
        raise ProposalError(
            _("Only an open topic can be answered, before its answer-by date: “%(title)s” is not.")
            % {"title": topic.title}
        )
