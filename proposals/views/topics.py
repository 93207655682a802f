"""Pages of a cycle's topics (出题): the list, a topic with its answers (破题), setting or
proposing a topic, and the national level's authorisation (充分授权) or decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import stamp
from kernel.forms import ReasonForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle
from proposals.selectors import current_cycle
from proposals.services import topics as services
from proposals.topic_forms import AuthoriseForm, CentralTopicForm, LocalTopicForm, TopicFilterForm
from proposals.topic_selectors import (
    is_answerable,
    participants_not_answering,
    topic_answer_counts,
    topic_answers,
    topic_get_for_user,
    topic_list,
)


@login_required
@require(rules.can_list_topics)
def topic_index(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    filters = TopicFilterForm(request.GET or None)
    page = paginate(request, topic_list(request.user, cycle, filters.params()))
    context = {
        "cycle": cycle,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "can_set": rules.sets_topics(request.user) and cycle.is_open,
        "can_propose": rules.proposes_topics(request.user) and cycle.is_open,
    }
    return render(request, "proposals/topic_list.html", context)


@login_required
@require(rules.can_list_topics)
def topic_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The filtered list as .xlsx: every row the user sees, not only the page."""
    cycle = get_object_or_404(Cycle, pk=pk)
    form = TopicFilterForm(request.GET or None)
    topics = topic_list(request.user, cycle, form.params())
    headers = [
        _("No."),
        _("Title"),
        _("Kind"),
        _("State"),
        _("Proposed by locality"),
        _("Reform field"),
        _("Answer by"),
        _("Answering localities"),
        _("Answers"),
        _("Description"),
    ]
    rows = (
        [
            t.pk,
            t.title,
            t.get_kind_display(),
            t.get_state_display(),
            t.locality.name if t.locality else "",
            t.field.name if t.field else "",
            t.deadline,
            t.locality_count,  # type: ignore[attr-defined]
            t.answer_count,  # type: ignore[attr-defined]
            t.description,
        ]
        for t in topics.iterator()
    )
    content = table_bytes(_("Topics"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"topics-{cycle.year}-{stamp()}.xlsx")


@login_required
def topic_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """中央出题 for the national level, 地方出题 for a province: the same page, the form of
    the user's part."""
    central = rules.sets_topics(request.user)
    if not central and not rules.proposes_topics(request.user):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, pk=pk)
    form_class = CentralTopicForm if central else LocalTopicForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if central:
                topic = services.topic_set(by=request.user, cycle=cycle, **data)
            else:
                topic = services.topic_propose(by=request.user, cycle=cycle, **data)
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Topic set and published to the participants of the cycle.")
                if central
                else _("Topic proposed. The national level will authorise or decline it."),
            )
            return redirect("proposals:topic_detail", topic.pk)
    return render(
        request, "proposals/topic_form.html", {"form": form, "cycle": cycle, "central": central}
    )


@login_required
@require(rules.can_list_topics)
def topic_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = topic_get_for_user(request.user, pk)
    user = request.user
    current = current_cycle()
    context = {
        "topic": topic,
        "page": paginate(request, topic_answers(user, topic)),
        "querystring": querystring_without_page(request),
        "counts": topic_answer_counts(user, topic),
        "can_decide": rules.can_decide_topic(user, topic),
        # The proposal form is for the current cycle: answer from here only a topic of it.
        "can_answer": rules.can_answer_topic(user, topic)
        and is_answerable(topic)
        and current is not None
        and current.pk == topic.cycle_id,
        "entries": entries_for(topic),
    }
    if roles.is_national(user) and topic.state == topic.State.OPEN:
        context["silent"] = participants_not_answering(user, topic)
    return render(request, "proposals/topic_detail.html", context)


@login_required
def topic_authorise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """充分授权, after a confirmation page: the topic opens and cannot be withdrawn."""
    topic = object_for(
        request, topic_get_for_user, pk, rules.can_decide_topic, posted=rules.decides_topics
    )
    form = AuthoriseForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.topic_authorise(
            by=request.user, topic=topic, note=form.cleaned_data["note"]
        ),
        _("Topic authorised. It is open to the participants of the cycle."),
    ):
        return redirect("proposals:topic_detail", topic.pk)
    return render(request, "proposals/topic_authorise.html", {"topic": topic, "form": form})


@login_required
def topic_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = object_for(
        request, topic_get_for_user, pk, rules.can_decide_topic, posted=rules.decides_topics
    )
    form = ReasonForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.topic_decline(
            by=request.user, topic=topic, reason=form.cleaned_data["reason"]
        ),
        _("Topic declined. The locality has been told why."),
    ):
        return redirect("proposals:topic_detail", topic.pk)
    return render(request, "proposals/topic_decline.html", {"topic": topic, "form": form})
